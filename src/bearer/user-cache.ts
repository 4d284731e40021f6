import type { Principal } from '../common/principal/principal.js';

/**
 * The users the bearer check has met, least recently used out first, kept exact by the users
 * notifications (`forget`, `clear`). A read of the database that a change overtook is not kept:
 * `remember` takes the `version` seen before the read, and any change since makes it a no-op.
 */
export class UserCache {
  private readonly users = new Map<string, Principal>();
  private changes = 0;

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.users.size;
  }

  /** Bumped by every forget or clear. */
  get version(): number {
    return this.changes;
  }

  get(id: string): Principal | undefined {
    const user = this.users.get(id);
    if (user) {
      this.users.delete(id);
      this.users.set(id, user);
    }
    return user;
  }

  remember(asOf: number, user: Principal): boolean {
    if (asOf !== this.changes || this.capacity === 0) return false;
    this.users.delete(user.id);
    this.users.set(user.id, user);
    if (this.users.size > this.capacity) {
      this.users.delete(this.users.keys().next().value as string);
    }
    return true;
  }

  forget(id: string): void {
    this.changes++;
    this.users.delete(id);
  }

  clear(): void {
    this.changes++;
    this.users.clear();
  }
}

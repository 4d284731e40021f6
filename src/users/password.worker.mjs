// Runs in a worker thread of PasswordPool. Plain JavaScript on purpose: Node loads it as it is,
// from src/ under Jest and from dist/ in production (tsc copies it with allowJs).
import bcrypt from 'bcryptjs';

/**
 * One bcrypt task, synchronous: blocking is this thread's whole job, and the async variants
 * would only add the cost of slicing the work. A task: `{ op: 'hash', password, rounds }` resolves to the hash,
 * `{ op: 'compare', password, hash }` to whether they match.
 */
export default function passwordTask(task) {
  switch (task.op) {
    case 'hash':
      return bcrypt.hashSync(task.password, task.rounds);
    case 'compare':
      return bcrypt.compareSync(task.password, task.hash);
    default:
      throw new Error(`Unknown password task: ${String(task.op)}`);
  }
}

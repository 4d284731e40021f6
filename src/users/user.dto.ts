import { ApiProperty } from '@nestjs/swagger';
import { serializeOnce } from '../common/http/answer-body.js';
import { Role, type Principal } from '../common/principal/principal.js';

const sharedViews = new WeakMap<Principal, UserDto>();

export class UserDto {
  @ApiProperty({ format: 'uuid', example: '0b9d5c5e-8a53-4a7e-9f3e-0d3f1e1c2b4a' })
  id: string;

  @ApiProperty({ example: 'ada@example.com' })
  email: string;

  @ApiProperty({ example: 'ada_l' })
  username: string;

  @ApiProperty({ type: String, nullable: true, example: 'Ada Lovelace' })
  name: string | null;

  @ApiProperty({ enum: Role, example: Role.User })
  role: Role;

  @ApiProperty({ example: true })
  isActive: boolean;

  @ApiProperty({ example: false, description: 'True once the owner followed a verification link' })
  emailVerified: boolean;

  @ApiProperty({ format: 'date-time', example: '2026-11-21T10:00:00.000Z' })
  createdAt: string;

  @ApiProperty({ format: 'date-time', example: '2026-11-21T10:00:00.000Z' })
  updatedAt: string;

  /**
   * The public view of a user: never the password hash. A frozen user (the bearer check's,
   * shared by its user's requests while memory holds it) never changes, so its view is made
   * once and shared, frozen too, and serialized once (`serializeOnce`): `toISOString` and then
   * `JSON.stringify` were the largest single costs of `GET /users/me`.
   */
  static from(user: Principal): UserDto {
    if (!Object.isFrozen(user)) return UserDto.view(user);
    let view = sharedViews.get(user);
    if (!view) sharedViews.set(user, (view = serializeOnce(UserDto.view(user))));
    return view;
  }

  private static view(user: Principal): UserDto {
    return {
      id: user.id,
      email: user.email,
      username: user.username,
      name: user.name,
      role: user.role,
      isActive: user.isActive,
      emailVerified: user.emailVerified,
      createdAt: user.createdAt.toISOString(),
      updatedAt: user.updatedAt.toISOString(),
    };
  }
}

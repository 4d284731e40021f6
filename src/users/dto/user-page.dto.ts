import { PaginatedDto } from '../../common/pagination/paginated.js';
import { UserDto } from '../user.dto.js';

export class UserPageDto extends PaginatedDto(UserDto) {}

import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ifMatchVersions } from '../common/http/version-etag.js';
import { RouteSchema } from '@nestjs/platform-fastify';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { AuthenticatedUser } from '../common/principal/principal.js';
import { CurrentUser } from '../common/decorators/current-user.decorator.js';
import { Problem } from '../common/errors/problem.js';
import { uuidParam } from '../common/http/uuid.pipe.js';
import { Paginated, PaginatedDto } from '../common/pagination/paginated.js';
import {
  ApiProblems,
  AUTH_PROBLEMS,
  BODY_PROBLEMS,
} from '../common/swagger/api-problems.decorator.js';
import { CreateTemplateDto } from './dto/create-template.dto.js';
import { ListTemplatesQueryDto } from './dto/list-templates-query.dto.js';
import { TEMPLATE_RESPONSE_SCHEMA, TemplateDto } from './dto/template.dto.js';
import { UpdateTemplateDto } from './dto/update-template.dto.js';
import { withCreatedTemplateHeaders, withTemplateHeaders } from './template-headers.js';
import { TemplatesService } from './templates.service.js';

const ETAG_HEADER = {
  description: 'The strong validator of this version of the template, such as `"3"`',
  schema: { type: 'string', example: '"3"' },
};

const IF_MATCH_HEADER = {
  // Spelled as `@Headers('if-match')` spells it, so Swagger merges the two into one optional header.
  name: 'if-match',
  required: false,
  description:
    'Apply only if the template is still at one of these ETags (strong comparison: `W/` tags ' +
    'never match); otherwise 412 and nothing changes. Absent or `*`: unconditional. ' +
    'A value that is not `*` or a list of quoted ETags is 400.',
  schema: { type: 'string', example: '"3"' },
};

const PaginatedTemplateDto = PaginatedDto(TemplateDto);

@ApiTags('templates')
@ApiBearerAuth()
@Controller('templates')
export class TemplatesController {
  constructor(private readonly templates: TemplatesService) {}

  @Post()
  @ApiOperation({ summary: 'Create a template' })
  @ApiCreatedResponse({
    description: 'The new template, at version 1',
    type: TemplateDto,
    headers: {
      Location: {
        description: 'The new template, such as `/api/v1/templates/<id>`',
        schema: { type: 'string' },
      },
      ETag: ETAG_HEADER,
    },
  })
  @ApiProblems(...BODY_PROBLEMS, ...AUTH_PROBLEMS, Problem.Conflict)
  async create(
    @CurrentUser() caller: AuthenticatedUser,
    @Body() dto: CreateTemplateDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TemplateDto> {
    const template = await this.templates.create(caller.user.id, dto);
    return withCreatedTemplateHeaders(request, reply, template);
  }

  @Get()
  @ApiOperation({ summary: "The caller's templates, paginated, searchable and sortable" })
  @ApiOkResponse({ description: 'A page of templates', type: PaginatedTemplateDto })
  @ApiProblems(Problem.ValidationFailed, ...AUTH_PROBLEMS)
  list(
    @CurrentUser() caller: AuthenticatedUser,
    @Query() query: ListTemplatesQueryDto,
  ): Promise<Paginated<TemplateDto>> {
    return this.templates.list(caller.user.id, query);
  }

  @Get(':id')
  @RouteSchema({ response: { 200: TEMPLATE_RESPONSE_SCHEMA } })
  @ApiOperation({ summary: "One of the caller's templates" })
  @ApiOkResponse({ description: 'The template', type: TemplateDto, headers: { ETag: ETAG_HEADER } })
  @ApiProblems(Problem.ValidationFailed, ...AUTH_PROBLEMS, Problem.NotFound)
  async get(
    @CurrentUser() caller: AuthenticatedUser,
    @Param('id', uuidParam()) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TemplateDto> {
    return withTemplateHeaders(reply, await this.templates.get(caller.user.id, id));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change the name and/or content; the version goes up by one' })
  @ApiHeader(IF_MATCH_HEADER)
  @ApiOkResponse({
    description: 'The changed template, at its new version',
    type: TemplateDto,
    headers: { ETag: ETAG_HEADER },
  })
  @ApiProblems(
    ...BODY_PROBLEMS,
    ...AUTH_PROBLEMS,
    Problem.NotFound,
    Problem.Conflict,
    Problem.PreconditionFailed,
  )
  async update(
    @CurrentUser() caller: AuthenticatedUser,
    @Param('id', uuidParam()) id: string,
    @Body() dto: UpdateTemplateDto,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers('if-match') ifMatch?: string,
  ): Promise<TemplateDto> {
    const template = await this.templates.update(caller.user.id, id, dto, ifMatchVersions(ifMatch));
    return withTemplateHeaders(reply, template);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a template' })
  @ApiHeader(IF_MATCH_HEADER)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems(
    Problem.ValidationFailed,
    ...AUTH_PROBLEMS,
    Problem.NotFound,
    Problem.PreconditionFailed,
  )
  remove(
    @CurrentUser() caller: AuthenticatedUser,
    @Param('id', uuidParam()) id: string,
    @Headers('if-match') ifMatch?: string,
  ): Promise<void> {
    return this.templates.remove(caller.user.id, id, ifMatchVersions(ifMatch));
  }
}

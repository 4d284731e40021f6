import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Observable, tap } from 'rxjs';
import type { TemplateDto } from './dto/template.dto.js';
import { TemplatesService } from './templates.service.js';

/**
 * Puts the representation headers on a route that answers with one template: `ETag` always,
 * and `Location` when the template was just created.
 */
@Injectable()
export class TemplateHeadersInterceptor implements NestInterceptor<TemplateDto, TemplateDto> {
  constructor(private readonly templates: TemplatesService) {}

  intercept(context: ExecutionContext, next: CallHandler<TemplateDto>): Observable<TemplateDto> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    return next.handle().pipe(
      tap((template) => {
        reply.header('etag', this.templates.etagOf(template));
        if (request.method === 'POST') {
          // The collection's own path, so the link holds whatever prefix the app is mounted at.
          const collection = request.url.split('?')[0].replace(/\/+$/, '');
          reply.header('location', `${collection}/${template.id}`);
        }
      }),
    );
  }
}

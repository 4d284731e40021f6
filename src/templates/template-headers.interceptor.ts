import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Observable, tap } from 'rxjs';
import type { TemplateDto } from './dto/template.dto.js';
import { versionEtag } from '../common/http/version-etag.js';

/**
 * Puts the representation headers on a route that answers with one template: `ETag` always,
 * and `Location` when the template was just created.
 */
@Injectable()
export class TemplateHeadersInterceptor implements NestInterceptor<TemplateDto, TemplateDto> {
  intercept(context: ExecutionContext, next: CallHandler<TemplateDto>): Observable<TemplateDto> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    return next.handle().pipe(
      tap((template) => {
        reply.header('etag', versionEtag(template.version));
        if (request.method === 'POST') {
          // The collection's own path, so the link holds whatever prefix the app is mounted at.
          const collection = request.url.split('?')[0].replace(/\/+$/, '');
          reply.header('location', `${collection}/${template.id}`);
        }
      }),
    );
  }
}

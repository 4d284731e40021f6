import { expect } from '@jest/globals';
import { Http, Reply, signUp } from './app.js';

export const TEMPLATES = '/api/v1/templates';
export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export interface TemplateBody {
  id: string;
  name: string;
  content: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** The template calls the templates specs make over and over, on one suite's client. */
export function templateCalls(http: Http) {
  return {
    async newToken(): Promise<string> {
      return (await signUp(http)).tokens.access_token;
    },

    async create(token: string, name: string, content = ''): Promise<TemplateBody> {
      const reply = await http.post(TEMPLATES, { token, body: { name, content } });
      expect(reply.status).toBe(201);
      return reply.body as TemplateBody;
    },

    fetch(token: string, id: string): Promise<Reply<TemplateBody>> {
      return http.get(`${TEMPLATES}/${id}`, { token });
    },

    async names(token: string, query: Record<string, string> = {}): Promise<string[]> {
      const reply = await http.get(TEMPLATES, { token, query });
      expect(reply.status).toBe(200);
      return (reply.body.data as TemplateBody[]).map((template) => template.name);
    },

    /**
     * Opens the pool's connections before a race: otherwise the first writer finishes on the one
     * warm connection while the others are still connecting, and nothing overlaps.
     */
    async warmUpPool(token: string): Promise<void> {
      await Promise.all(Array.from({ length: 10 }, () => http.get(TEMPLATES, { token })));
    },
  };
}

import { TemplateContent, TemplateName } from './template-fields.decorator.js';

/** At least one of the two; the service refuses an empty change. */
export class UpdateTemplateDto {
  @TemplateName({ required: false })
  name?: string;

  @TemplateContent({ required: false })
  content?: string;
}

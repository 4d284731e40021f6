import { TemplateContent, TemplateName } from './template-fields.decorator.js';

export class CreateTemplateDto {
  @TemplateName({ required: true })
  name: string;

  @TemplateContent({ required: true })
  content: string;
}

/** A mail ready to go: a plain-text body and an HTML alternative. */
export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export type MailContent = Omit<OutgoingMail, 'to'>;

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for an HTML body or attribute; user names are user input. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]);
}

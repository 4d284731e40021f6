/** Where a request came from, as sessions record it. */
export interface ClientInfo {
  userAgent: string | null;
  ip: string | null;
}

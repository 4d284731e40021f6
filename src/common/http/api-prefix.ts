/** The prefix of every API route; pages and well-known documents stay outside it. */
export const API_PREFIX = 'api/v1';

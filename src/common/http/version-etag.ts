import { AppException } from '../errors/app.exception.js';

// Versions are PostgreSQL integers: a larger number in If-Match can match nothing, and must
// not reach a query, where it would be an error.
const MAX_VERSION = 2 ** 31 - 1;
// One member of an If-Match list (RFC 9110 §8.8.3): an optional weak prefix and a quoted
// opaque tag, then a comma or the end. Leading commas and blanks are empty list elements.
// Sticky, and copied per header, since the scan keeps its position in `lastIndex`.
const ENTITY_TAG = /[ \t,]*(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"[ \t]*(?:,|$)/y;
const ONLY_SEPARATORS = /^[ \t,]*$/;

/**
 * The versions a conditional write accepts: `undefined` when it is unconditional (no If-Match
 * or `*`), else the versions listed, possibly none.
 */
export type AcceptedVersions = readonly number[] | undefined;

/** The strong ETag of a versioned resource: its version, quoted. */
export function versionEtag(version: number): string {
  return `"${version}"`;
}

/**
 * Parses If-Match (RFC 9110 §13.1.1) against ETags made by `versionEtag`. Comparison is
 * strong, so a weak tag never matches, nor does a tag we would never issue; they are dropped,
 * not errors. A header that is not a list of entity tags, or `*` mixed with tags, is a 400.
 */
export function ifMatchVersions(header: string | undefined): AcceptedVersions {
  if (header === undefined || header.trim() === '*') return undefined;
  const versions: number[] = [];
  const tag = new RegExp(ENTITY_TAG);
  while (!ONLY_SEPARATORS.test(header.slice(tag.lastIndex))) {
    const match = tag.exec(header);
    if (!match) {
      throw AppException.validation(
        'If-Match',
        'If-Match must be * or a comma-separated list of quoted ETags, such as "3"',
      );
    }
    const [, weak, opaque] = match;
    const version = Number(opaque);
    const ours =
      Number.isInteger(version) &&
      version >= 1 &&
      version <= MAX_VERSION &&
      versionEtag(version) === `"${opaque}"`;
    if (!weak && ours) versions.push(version);
  }
  return versions;
}

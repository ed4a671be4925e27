// The tag of a container image reference, as upstream's parsers.ParseImageName
// reports it (docker/distribution reference grammar, normalised names): the
// explicit tag, "latest" when neither tag nor digest is given, and "" when
// the reference does not parse or is pinned only by digest.

const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_NAME = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*`;
const IPV6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const DOMAIN = `(?:${DOMAIN_NAME}|${IPV6})(?::[0-9]+)?`;
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const IDENTIFIER = /^[a-f0-9]{64}$/;
const NAME_TOTAL_LENGTH_MAX = 255;

export function imageTag(image: string): string {
  // A bare 64-hex string is an image ID, not a name; upper case is only allowed
  // in the domain, which the grammar below already enforces.
  if (IDENTIFIER.test(image)) return '';
  const match = REFERENCE.exec(image);
  if (match === null) return '';
  const name = match[1] ?? '';
  if (name.length > NAME_TOTAL_LENGTH_MAX) return '';
  const tag = match[2] ?? '';
  const digest = match[3] ?? '';
  if (tag === '' && digest === '') return 'latest';
  return tag;
}

/**
 * Text for XML 1.0 content and attribute values. Characters XML 1.0 cannot carry at all (most C0
 * controls, lone surrogates) become U+FFFD, because an escaped form does not exist for them and
 * emitting them raw would make the whole reply unparseable.
 */
const INVALID =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const SPECIAL = /[&<>"'\r]/g;
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  // a raw CR would be normalised to LF by the receiving parser
  '\r': '&#13;',
};

export function escapeXml(value: string): string {
  return value.replace(INVALID, '\uFFFD').replace(SPECIAL, (c) => ENTITIES[c]);
}

const NCNAME = /^[A-Za-z_][\w.-]*$/;

/** True when `name` can be used as an unprefixed element name. */
export function isXmlName(name: string): boolean {
  return NCNAME.test(name) && !/^xml/i.test(name);
}

import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { s3Errors } from './errors.ts';

/** The namespace of every S3 response document. */
export const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

// XML 1.0 cannot carry most control characters even as references; S3 writes them as numeric
// references anyway, and the SDK's parser reads them back.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what must be escaped.
const NEEDS_ESCAPE = /[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f\r\n\t\u0085\u2028]/g;

/** Escapes text for an XML element's content. */
export function escapeXml(text: string): string {
  return text.replace(NEEDS_ESCAPE, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      case "'":
        return '&apos;';
      default:
        return `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`;
    }
  });
}

/** A child element: a value (escaped), a nested list of elements, or nothing (left out). */
export type XmlValue = string | number | boolean | undefined | XmlElement[];
/** One element: `[name, value]`. */
export type XmlElement = readonly [string, XmlValue];

/** Serializes elements; `undefined` values are left out, as optional S3 fields are. */
export function xmlElements(elements: readonly XmlElement[]): string {
  let out = '';
  for (const [name, value] of elements) {
    if (value === undefined) continue;
    const inner = Array.isArray(value) ? xmlElements(value) : escapeXml(String(value));
    out += `<${name}>${inner}</${name}>`;
  }
  return out;
}

/** A whole S3 response document with the XML declaration and S3's namespace on the root. */
export function xmlDocument(root: string, elements: readonly XmlElement[], namespace = true): string {
  const ns = namespace ? ` xmlns="${S3_NAMESPACE}"` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}${ns}>${xmlElements(elements)}</${root}>`;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  // Keys may begin or end with spaces: keep text exactly.
  trimValues: false,
  htmlEntities: true,
  isArray: (name) => name === 'Object' || name === 'Part',
});

/** Parses a request document, returning its root element's content; `MalformedXML` when it is not well-formed or the root differs. */
export function parseXmlRequest(body: Buffer, root: string): Record<string, unknown> {
  const text = body.toString('utf8');
  if (XMLValidator.validate(text) !== true) throw s3Errors.malformedXml();
  const doc = parser.parse(text) as Record<string, unknown>;
  const content = doc[root];
  if (content === undefined) throw s3Errors.malformedXml();
  return typeof content === 'object' && content !== null ? (content as Record<string, unknown>) : {};
}

/** The text of a child element, if present. */
export function textOf(element: unknown, name: string): string | undefined {
  if (typeof element !== 'object' || element === null) return undefined;
  const value = (element as Record<string, unknown>)[name];
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && '#text' in value) return String(value['#text']);
  return typeof value === 'object' ? '' : String(value);
}

/**
 * The hub writes SOAP content as JSON with '@name' for attributes, '$value' for simple content and
 * '$type' for xsi:type (see ./xsd/decode). node-soap, which builds outbound requests, wants an
 * 'attributes' object and `attributes.xsi_type = { type, xmlns }` instead. These two functions
 * translate, so a flow uses one shape whether it serves an operation or calls one. node-soap's own
 * 'attributes' key still passes through for flows written against it.
 */
export type TypeNamespace = (localName: string) => string | undefined;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date);
}

export function toNodeSoap(value: unknown, typeNamespace: TypeNamespace): unknown {
  if (Array.isArray(value)) return value.map((v) => toNodeSoap(v, typeNamespace));
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  const attributes: Record<string, unknown> = isRecord(value.attributes) ? { ...value.attributes } : {};
  for (const [key, child] of Object.entries(value)) {
    if (key === 'attributes') continue;
    if (key.startsWith('@')) attributes[key.slice(1)] = child;
    else if (key === '$type' && typeof child === 'string') {
      const xmlns = typeNamespace(child);
      attributes.xsi_type = xmlns ? { type: child, xmlns } : { type: child };
    } else out[key] = toNodeSoap(child, typeNamespace);
  }
  if (Object.keys(attributes).length > 0) out.attributes = attributes;
  return out;
}

export function fromNodeSoap(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromNodeSoap);
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === 'attributes' && isRecord(child)) {
      for (const [name, attr] of Object.entries(child)) {
        const local = name.slice(name.indexOf(':') + 1);
        if (local === 'type' && name.includes(':') && typeof attr === 'string')
          out.$type = attr.slice(attr.indexOf(':') + 1);
        else if (name === 'xsi_type' && isRecord(attr) && typeof attr.type === 'string')
          out.$type = attr.type;
        else if (!name.startsWith('xmlns')) out[`@${local}`] = attr;
      }
    } else out[key] = fromNodeSoap(child);
  }
  return out;
}

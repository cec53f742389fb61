import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { WsdlDocument } from './types';
import { assertSafeXml } from '../../formats/xml/xml-safety';
import { parseXmlTree, type XmlElement } from '../../formats/xml/xml-tree';

/** Largest imported document read at deploy; vendor schemas reach a few MB. */
const MAX_DOCUMENT_BYTES = 32 * 1024 * 1024;

export class ImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportError';
  }
}

/**
 * The documents a WSDL pulls in with wsdl:import and xsd:import/include, read from local files
 * relative to the document that names them, each once. Remote locations are refused: a deploy must
 * not depend on (or leak requests to) a vendor's server, so such files are stored beside the WSDL.
 */
export class WsdlDocuments {
  readonly documents = new Map<string, WsdlDocument>();
  private readonly roots = new Map<string, XmlElement>();
  private readonly baseDir: string | undefined;
  readonly mainKey: string;
  readonly mainReferences = new Map<string, string>();

  constructor(mainFile: string | undefined) {
    this.baseDir = mainFile ? path.dirname(path.resolve(mainFile)) : undefined;
    this.mainKey = mainFile ? path.basename(mainFile) : '(inline WSDL)';
  }

  /** Loads `location` as named in the document `fromKey`; returns its key and root element. */
  load(location: string, fromKey: string): { key: string; root: XmlElement } {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location) && !location.toLowerCase().startsWith('file://')) {
      throw new ImportError(
        `'${location}' (imported by ${fromKey}) is remote; the hub reads only local files: ` +
          'store it beside the WSDL and point the import at the copy',
      );
    }
    if (!this.baseDir) {
      throw new ImportError(
        `'${location}' (imported by ${fromKey}) cannot be found: the WSDL was not read from a file`,
      );
    }
    const fromFile =
      fromKey === this.mainKey ? path.join(this.baseDir, this.mainKey) : path.resolve(this.baseDir, fromKey);
    const target = path.resolve(path.dirname(fromFile), decodeURI(location.replace(/^file:\/\//i, '')));
    const key = path.relative(this.baseDir, target).split(path.sep).join('/');
    const references =
      fromKey === this.mainKey ? this.mainReferences : this.documents.get(fromKey)?.references;
    references?.set(location, key);
    const known = this.roots.get(key);
    if (known) return { key, root: known };
    let text: string;
    try {
      const bytes = readFileSync(target);
      if (bytes.length > MAX_DOCUMENT_BYTES)
        throw new ImportError(`'${location}' is larger than ${MAX_DOCUMENT_BYTES} bytes`);
      text = bytes.toString('utf8');
    } catch (err) {
      if (err instanceof ImportError) throw err;
      throw new ImportError(
        `'${location}' (imported by ${fromKey}) cannot be read: ${(err as Error).message}`,
      );
    }
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    assertSafeXml(text);
    const root = parseXmlTree(text);
    this.roots.set(key, root);
    this.documents.set(key, { path: key, text, references: new Map() });
    return { key, root };
  }
}

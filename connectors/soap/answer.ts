import * as soap from 'soap';
import { charsetOf, SOAP11_ENV_NS, SOAP12_ENV_NS } from './envelope';
import { decodeXmlBytes, XmlEncodingError } from '../../formats/xml/xml-input';
import { assertSafeXml, UnsafeXmlError } from '../../formats/xml/xml-safety';
import { parseXmlTree, XmlSyntaxError, type XmlElement } from '../../formats/xml/xml-tree';

/**
 * The answer to an outbound call is read here before node-soap parses it. node-soap takes an empty
 * 200 for success, decodes every body as UTF-8 and fails on odd answers with messages such as
 * "[object Object]"; the hub needs to know that the CRM answered something it cannot use, and what.
 */

/** What the answer to one call may hold, from the operation's output in the WSDL. */
export interface AnswerExpectation {
  operation: string;
  /** false: a one-way operation, whose answer carries nothing to read */
  hasOutput: boolean;
  /** local names node-soap takes as the output element; undefined: not checked */
  elements?: string[];
  /** the output message has no parts, so an empty Body is the whole answer */
  emptyBodyAllowed: boolean;
}

/** The output of an operation as node-soap's WSDL keeps it: an element, or a message with parts. */
export interface NodeSoapOutput {
  $name?: string;
  /** present on a message (RPC style, or document style without an element part) */
  parts?: Record<string, unknown> | null;
}

/** What node-soap will take as the answer to `operation`, whose output it defined as `output`. */
export function expectationOf(
  operation: string,
  output: NodeSoapOutput | null | undefined,
): AnswerExpectation {
  if (!output) return { operation, hasOutput: false, emptyBodyAllowed: true };
  const name = output.$name ?? '';
  if (!('parts' in output)) return { operation, hasOutput: true, elements: [name], emptyBodyAllowed: false };
  // an RPC answer's wrapper is named after the operation, with the suffixes node-soap accepts
  const names = [
    name,
    name.replace(/(?:Out(?:put)?|Response)$/, ''),
    `${operation}Response`,
    `${operation}Out`,
    `${operation}Output`,
  ];
  return {
    operation,
    hasOutput: true,
    elements: [...new Set(names.filter((n) => n !== ''))],
    emptyBodyAllowed: !output.parts || Object.keys(output.parts).length === 0,
  };
}

export class UnusableAnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnusableAnswerError';
  }
}

export interface ReadAnswer {
  text: string;
  /** the envelope's Body was empty, as an output without parts allows */
  emptyBody: boolean;
}

const ENVELOPE_NAMESPACES = [SOAP11_ENV_NS, SOAP12_ENV_NS];

function expected(expect: AnswerExpectation): string {
  return expect.elements?.length ? ` answers with <${expect.elements[0]}>` : ' answers with an element';
}

/**
 * The answer's text for node-soap, after checking that a successful (2xx) answer is a SOAP envelope
 * whose Body holds the operation's output (or a Fault). Other statuses pass as they are: node-soap
 * reads their faults, and an HTTP error without one is classified by its status.
 */
export function readAnswer(
  bytes: Buffer,
  contentType: string | undefined,
  status: number,
  expect: AnswerExpectation,
): ReadAnswer {
  const checked = status >= 200 && status <= 299 && expect.hasOutput;
  let text: string;
  try {
    // as the inbound server decodes a request: the Content-Type's charset, else the XML
    // declaration's, else the byte order mark or UTF-8
    text = decodeXmlBytes(bytes, contentType ? charsetOf(contentType) : undefined);
  } catch (err) {
    if (!(err instanceof XmlEncodingError)) throw err;
    if (checked) throw new UnusableAnswerError(`the answer cannot be decoded: ${err.message}`);
    // an error status is reported by its status or fault, and a one-way answer is not read
    text = bytes.toString('utf8');
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (!checked) return { text, emptyBody: false };
  if (text.trim() === '') {
    throw new UnusableAnswerError(
      `the answer is empty: HTTP ${status} without a SOAP envelope, where operation ${expect.operation}${expected(expect)}`,
    );
  }
  const root = parseAnswer(text);
  if (root.local !== 'Envelope' || !ENVELOPE_NAMESPACES.includes(root.ns)) {
    throw new UnusableAnswerError(`the answer is not a SOAP envelope: its root element is <${root.qname}>`);
  }
  const body = root.children.find((c) => c.ns === root.ns && c.local === 'Body');
  if (!body) throw new UnusableAnswerError("the answer's SOAP envelope has no Body");
  const first: XmlElement | undefined = body.children[0];
  if (!first) {
    if (expect.emptyBodyAllowed) return { text, emptyBody: true };
    throw new UnusableAnswerError(
      `the answer's Body is empty, where operation ${expect.operation}${expected(expect)}`,
    );
  }
  if (first.ns === root.ns && first.local === 'Fault') return { text, emptyBody: false };
  if (expect.elements && !expect.elements.includes(first.local)) {
    throw new UnusableAnswerError(
      `the answer's body element <${first.qname}> is not the output of operation ${expect.operation}, which${expected(expect)}`,
    );
  }
  return { text, emptyBody: false };
}

/**
 * Our parser refuses any DOCTYPE, so a DTD never reaches node-soap's parser either; the safety check
 * only names the refusal, and runs after a failed parse so that a CDATA section quoting "<!DOCTYPE"
 * in an otherwise good answer is not refused.
 */
function parseAnswer(text: string): XmlElement {
  try {
    return parseXmlTree(text);
  } catch (err) {
    if (!(err instanceof XmlSyntaxError)) throw err;
    try {
      assertSafeXml(text);
    } catch (unsafe) {
      if (unsafe instanceof UnsafeXmlError)
        throw new UnusableAnswerError(`the answer carries a ${unsafe.construct}, which the hub refuses`);
      throw unsafe;
    }
    throw new UnusableAnswerError(`the answer is ${err.message}`);
  }
}

/** Per call: what the answer must be, and what reading it found. */
export interface AnswerCheck {
  expect: AnswerExpectation;
  emptyBody?: boolean;
  /** the largest answer read, in bytes; a larger one is cut off while it arrives */
  maxBytes: number;
}

/** The most an answer may hold unless the client says otherwise (a 300 MB answer took 1.6 GB). */
export const DEFAULT_MAX_ANSWER_BYTES = 10 * 1024 * 1024;

/** axios's refusal of a body over maxContentLength, which it words without the limit's purpose */
function tooLarge(error: unknown): boolean {
  return /maxContentLength size of \d+ exceeded/.test((error as { message?: unknown })?.message as string);
}

/** The key under which a call hands its AnswerCheck to the HTTP client, through node-soap. */
export const ANSWER_CHECK = Symbol('crm-hub answer check');

type RequestCallback = (error: unknown, res?: unknown, body?: unknown) => unknown;

interface HttpResponse {
  status: number;
  headers: Record<string, unknown>;
  data: unknown;
}

/**
 * node-soap's HTTP client, asked for the answer's bytes, which readAnswer decodes and checks before
 * node-soap parses them. node-soap passes a call's options through to here untouched, so the call's
 * AnswerCheck rides along under a symbol and is taken off before the options reach axios.
 */
export class CheckedHttpClient extends soap.HttpClient {
  override request(
    rurl: string,
    data: unknown,
    callback: RequestCallback,
    exheaders?: soap.IHeaders,
    exoptions?: soap.IExOptions,
  ): ReturnType<soap.HttpClient['request']> {
    const { [ANSWER_CHECK]: check, ...rest } = (exoptions ?? {}) as soap.IExOptions & {
      [ANSWER_CHECK]?: AnswerCheck;
    };
    if (!check) return super.request(rurl, data, callback, exheaders, exoptions);
    const options: soap.IExOptions = {
      ...rest,
      responseType: 'arraybuffer',
      maxContentLength: check.maxBytes,
    };
    return super.request(
      rurl,
      data,
      (error, res, body) => {
        if (error && tooLarge(error)) {
          return callback(
            new UnusableAnswerError(
              `the answer is larger than ${check.maxBytes} bytes, the most that is read`,
            ),
          );
        }
        if (error) return callback(error, res, body);
        const response = res as HttpResponse;
        try {
          const raw = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : '');
          const contentType = response.headers['content-type'];
          const read = readAnswer(
            raw,
            typeof contentType === 'string' ? contentType : undefined,
            response.status,
            check.expect,
          );
          check.emptyBody = read.emptyBody;
          response.data = read.text;
          return callback(null, response, read.text);
        } catch (err) {
          return callback(err);
        }
      },
      exheaders,
      options,
    );
  }
}

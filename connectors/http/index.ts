export {
  DEFAULT_BODY_LIMIT,
  DEFAULT_REST_POLICY,
  IDEMPOTENCY_HEADER,
  ResilientRestClient,
  type RestAuth,
  type RestClientHooks,
  type RestClientOptions,
  type RestPolicy,
  type RestRequest,
  type RestResponse,
  type RestTlsOptions,
} from './client';
export { parseRetryAfter, statusError, transportError, TRANSIENT_STATUS } from './classify';
export { RestCallError, restErrorKind, type RestErrorDetails, type RestErrorKind } from './errors';
export {
  checkBaseUrl,
  checkPath,
  decodeBody,
  encodeBody,
  fillPath,
  HTTP_METHODS,
  joinUrl,
  mergeHeaders,
  parseHeaderLines,
  pathParameters,
  type Headers,
  type HttpMethod,
} from './request';
export { SharedRestClient, type SharedRestClientEvents } from './shared-client';
export {
  childTraceparent,
  continueTrace,
  formatTraceparent,
  newTraceparent,
  parseTraceparent,
  TRACEPARENT,
  traceIdOf,
  type TraceParent,
} from './trace-context';

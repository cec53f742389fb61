export { backoffDelay, type BackoffOptions } from './backoff';
export {
  CircuitBreaker,
  CircuitOpenError,
  type CircuitBreakerEvents,
  type CircuitBreakerOptions,
  type CircuitState,
} from './circuit-breaker';
export { systemClock, type Clock } from './clock';
export { retry, type RetryOptions } from './retry';

/**
 * AMQP 0-9-1 topic matching as RabbitMQ does it: words are separated by `.`, `*` stands for exactly one
 * word and `#` for zero or more. An empty routing key has zero words (so only `#` and `` match it), and
 * a word like `a*` is literal, because the broker treats it that way too.
 */
export type TopicMatcher = (routingKey: string) => boolean;

const MULTI = '#';
const SINGLE = '*';

function splitWords(key: string): string[] {
  return key === '' ? [] : key.split('.');
}

export function compileTopicPattern(pattern: string): TopicMatcher {
  if (typeof pattern !== 'string') {
    throw new TypeError(`topic pattern must be a string, got ${typeof pattern}`);
  }
  // Adjacent `#` match the same as one and would only make the matcher slower.
  const tokens = splitWords(pattern).filter((word, i, all) => !(word === MULTI && all[i - 1] === MULTI));

  if (!tokens.includes(MULTI) && !tokens.includes(SINGLE)) {
    return (routingKey) => routingKey === pattern;
  }
  if (tokens.length === 1 && tokens[0] === MULTI) {
    return () => true;
  }

  // reachable[i]: the first i pattern tokens can consume the words seen so far. One row per word keeps
  // this linear in pattern length per word, with no backtracking blow-up on many `#`.
  return (routingKey) => {
    const words = splitWords(routingKey);
    let reachable = new Array<boolean>(tokens.length + 1).fill(false);
    reachable[0] = true;
    for (let t = 0; t < tokens.length && tokens[t] === MULTI; t++) reachable[t + 1] = true;

    for (const word of words) {
      const next = new Array<boolean>(tokens.length + 1).fill(false);
      for (let t = 0; t < tokens.length; t++) {
        const token = tokens[t];
        if (token === MULTI) {
          // `#` may swallow this word and stay; or it is already satisfied and the next token follows.
          if (reachable[t + 1] || reachable[t]) next[t + 1] = true;
        } else if (reachable[t] && (token === SINGLE || token === word)) {
          next[t + 1] = true;
        }
      }
      // A `#` that can match zero words passes reachability on to the token after it.
      for (let t = 0; t < tokens.length; t++) {
        if (tokens[t] === MULTI && next[t]) next[t + 1] = true;
      }
      reachable = next;
      if (!reachable.includes(true)) return false;
    }
    return reachable[tokens.length] === true;
  };
}

const cache = new Map<string, TopicMatcher>();
const CACHE_LIMIT = 10_000;

/** Convenience for one-off checks; compiled patterns are cached so hot paths still compile once. */
export function topicMatches(pattern: string, routingKey: string): boolean {
  let matcher = cache.get(pattern);
  if (!matcher) {
    matcher = compileTopicPattern(pattern);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(pattern, matcher);
  }
  return matcher(routingKey);
}

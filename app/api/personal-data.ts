import type { RequestHandler } from 'express';

/**
 * Cache-Control of answers that carry a customer's data (the customer 360, offers, processes, reviews,
 * dead letters). `private`: no shared cache (a proxy, a CDN) keeps them. `no-cache` rather than
 * `no-store`: the client's own cache may keep one but asks again every time, with If-None-Match, and
 * gets a 304 while nothing changed; `no-store` would forbid keeping the copy that a 304 refers to.
 */
export const PERSONAL_DATA_CACHING = 'private, no-cache';

export const personalData: RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', PERSONAL_DATA_CACHING);
  next();
};

/** The console's views live in the hash (#/explain/crm:4711), so every view can be linked and reloaded. */
export function go(view: string, arg = ''): void {
  window.location.hash = `#/${view}${arg ? `/${encodeURIComponent(arg)}` : ''}`;
}

export function href(view: string, arg = ''): string {
  return `#/${view}${arg ? `/${encodeURIComponent(arg)}` : ''}`;
}

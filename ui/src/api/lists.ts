// Arguments of list calls that more than one place makes: the app (api/backend.ts) and the
// boot script (boot/calls.ts), whose answer the app takes only if it asked the same.

/** One page of the experiments, by name, as the sidebar lists them. */
export function experimentListArgs(viewType = 'ACTIVE_ONLY', pageToken?: string): Record<string, unknown> {
  return { max_results: 1000, view_type: viewType, page_token: pageToken, order_by: ['name ASC'] };
}

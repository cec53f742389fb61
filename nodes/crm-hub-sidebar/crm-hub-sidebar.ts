import type { RED } from '../shared/red';

/**
 * The "CRM Hub" sidebar tab is an editor plugin: everything it does is in crm-hub-sidebar.html, and
 * the routes it reads (GET /crm-hub/policies, POST /crm-hub/policies/:id/state) come with the policy
 * node. Node-RED loads a plugin's runtime part too, so this one is here and registers nothing.
 */
export default function (_RED: RED): void {
  // editor only
}

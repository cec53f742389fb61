import {
  DEFAULT_SERVICE_LEVEL_RULES,
  serviceLevelRules,
  type ServiceLevelRules,
} from '../../records/service-level';
import { errorMessage, type RED } from './red';

let read: { setting: unknown; rules: ServiceLevelRules } | undefined;

/**
 * settings.js `crmHub.serviceLevel` as rules, read once per settings value. A wrong one is logged once,
 * naming the setting, and the defaults apply: the 360 still answers while the operator fixes it.
 */
export function serviceLevelRulesOf(RED: RED): ServiceLevelRules {
  const setting = (RED.settings as unknown as { crmHub?: { serviceLevel?: unknown } }).crmHub?.serviceLevel;
  if (read && read.setting === setting) return read.rules;
  let rules = DEFAULT_SERVICE_LEVEL_RULES;
  try {
    rules = serviceLevelRules(setting);
  } catch (err) {
    RED.log.error(`service level: ${errorMessage(err)}; the defaults apply`);
  }
  read = { setting, rules };
  return rules;
}

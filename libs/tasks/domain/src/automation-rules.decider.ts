import { AutomationRules, AutomationRulesDefined } from '@crm/contracts';
import { Decider, sameValue } from '@crm/event-sourcing';
import { defaultAutomationRules } from './automation';

/** A tenant's automation rules: the defaults (version 0) until it defines its own. */
export type AutomationRulesState = { version: number; rules: AutomationRules };

export type DefineAutomationRules = { type: 'DefineAutomationRules'; rules: AutomationRules };

export type AutomationRulesCommand = DefineAutomationRules;

export const decideAutomationRules = (command: AutomationRulesCommand, state: AutomationRulesState): AutomationRulesDefined[] => {
  switch (command.type) {
    case 'DefineAutomationRules':
      // Putting the rules in force again is not a change: no new version.
      if (sameValue(command.rules, state.rules)) return [];
      return [{ type: 'AutomationRulesDefined', data: { version: state.version + 1, rules: command.rules } }];
    default: {
      const unreachable: never = command.type;
      return unreachable;
    }
  }
};

export const evolveAutomationRules = (_state: AutomationRulesState, event: AutomationRulesDefined): AutomationRulesState => {
  switch (event.type) {
    case 'AutomationRulesDefined':
      return { version: event.data.version, rules: event.data.rules };
    default: {
      const unreachable: never = event.type;
      return unreachable;
    }
  }
};

export const automationRulesDecider: Decider<AutomationRulesCommand, AutomationRulesDefined, AutomationRulesState> = {
  decide: decideAutomationRules,
  evolve: evolveAutomationRules,
  initialState: () => ({ version: 0, rules: defaultAutomationRules }),
};

// The run's current details in the Web UI (Temporal's user metadata): where the order stands and
// each step so far, as markdown. Set on every change; not a command, so histories replay unchanged.
import type { OrderState } from '../contracts';

/** A table cell: no line breaks or pipes from an error message. */
const cell = (text: string | number | undefined) =>
  String(text ?? '')
    .replace(/[\r\n]+/g, ' ')
    .replace(/\|/g, '\\|');

function table(head: readonly string[], rows: readonly (readonly (string | number | undefined)[])[]): string {
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`)].join('\n');
}

export function orderProgress(state: OrderState): string {
  const facts = [`**Status** ${state.status}`];
  if (state.failure)
    facts.push(`**Stopped at** ${state.failure.step}: ${state.failure.reason}${state.failure.detail ? ` (${cell(state.failure.detail)})` : ''}`);
  const ids = [
    state.paymentId && `payment ${state.paymentId}`,
    state.reservationId && `reservation ${state.reservationId}`,
    state.shipmentId && `shipment ${state.shipmentId}`,
  ].filter(Boolean);
  if (ids.length > 0) facts.push(`**Downstream** ${ids.join(', ')}`);
  for (const effect of state.unresolved ?? []) {
    facts.push(`**Not undone** ${effect.compensation} of ${effect.step}${effect.id ? ` (${effect.id})` : ''}: ${cell(effect.error)}`);
  }
  const sections = [facts.join('  \n')];
  if (state.steps.length > 0) {
    sections.push(
      table(
        ['Step', 'Status', 'Attempts', 'Error'],
        state.steps.map((s) => [s.name, s.status, s.attempts, s.error]),
      ),
    );
  }
  if (state.compensations.length > 0) {
    sections.push(
      table(
        ['Compensation', 'Status', 'Attempts', 'Error'],
        state.compensations.map((c) => [c.name, c.status, c.attempts, c.error]),
      ),
    );
  }
  return sections.join('\n\n');
}

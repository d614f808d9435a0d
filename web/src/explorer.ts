/** The explorer page: loads the trace, draws the state after the chosen step, steps with the timeline. */
import type { Snapshot, Trace, TraceStep } from '../../src/explore/traceTypes.js';
import { renderFile } from './fileStrip.js';
import { renderVm } from './guestView.js';
import { el } from './format.js';

interface View {
  traces: Trace[];
  trace: Trace;
  /** -1: before the first step (nothing made yet). */
  position: number;
}

const EMPTY: Snapshot = { files: [], vms: [] };

function $(id: string): HTMLElement {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node;
}

function stateAt(trace: Trace, position: number): Snapshot {
  return position < 0 ? EMPTY : trace.steps[position]!.after;
}

function stepSummary(s: TraceStep): string {
  return `${s.index}. ${s.do}${s.note ? ` (${s.note})` : ''}`;
}

function renderSteps(view: View): void {
  const list = $('steps');
  list.replaceChildren(
    ...view.trace.steps.map((s) => {
      const classes = ['step', s.ok ? 'ok' : 'error'];
      if (s.failure) classes.push('failed');
      if (s.other && !s.other.agrees) classes.push('disagrees');
      if (s.index === view.position) classes.push('current');
      const item = el('li', { class: classes.join(' '), 'data-index': String(s.index) }, el('span', { class: 'step-name' }, stepSummary(s)), el('span', { class: 'step-outcome' }, s.outcome));
      item.addEventListener('click', () => go(view, s.index));
      return item;
    }),
  );
  list.querySelector('.current')?.scrollIntoView({ block: 'nearest' });
}

function renderStepDetail(view: View): void {
  const box = $('step-detail');
  const s = view.trace.steps[view.position];
  if (!s) {
    box.replaceChildren(el('p', {}, 'Before the first step: nothing exists yet. Step forward with → or the buttons.'));
    return;
  }
  const rows: Array<[string, string, string?]> = [
    ['step', stepSummary(s)],
    ['expected', s.expected],
    [view.trace.backend, s.outcome, s.ok ? 'ok' : 'error'],
  ];
  if (s.other) rows.push([s.other.backend, `${s.other.outcome}${s.other.agrees ? '' : '  (differs)'}`, s.other.agrees ? 'ok' : 'disagrees']);
  if (s.failure) rows.push(['failure', s.failure, 'failed']);
  if (s.detail) rows.push(['why', s.detail]);
  box.replaceChildren(
    el('table', {}, ...rows.map(([k, v, cls]) => el('tr', cls ? { class: cls } : {}, el('th', {}, k), el('td', { 'data-field': k }, v)))),
    el('pre', { class: 'step-json' }, JSON.stringify(s.step, null, 2)),
  );
}

function renderState(view: View): void {
  const now = stateAt(view.trace, view.position);
  const before = stateAt(view.trace, view.position - 1);
  const files = $('files');
  files.replaceChildren(...now.files.map((f) => renderFile(f, before.files.find((b) => b.handle === f.handle))));
  if (now.files.length === 0) files.append(el('p', { class: 'empty' }, 'no guest_memfd yet'));
  const vms = $('vms');
  vms.replaceChildren(...now.vms.map((vm) => renderVm(vm, now.files)));
  if (now.vms.length === 0) vms.append(el('p', { class: 'empty' }, 'no VM yet'));
}

function go(view: View, position: number): void {
  view.position = Math.max(-1, Math.min(view.trace.steps.length - 1, position));
  const slider = $('slider') as HTMLInputElement;
  slider.max = String(view.trace.steps.length - 1);
  slider.value = String(view.position);
  $('position').textContent = view.position < 0 ? `start / ${view.trace.steps.length}` : `step ${view.position + 1} / ${view.trace.steps.length}`;
  renderSteps(view);
  renderStepDetail(view);
  renderState(view);
}

function choose(view: View, index: number): void {
  view.trace = view.traces[index]!;
  const t = view.trace;
  $('title').textContent = t.id;
  $('description').textContent = t.description;
  $('meta').textContent = `${t.origin} · drawn from the ${t.backend}${t.other ? ` · outcomes also from the ${t.other}` : ''} · ${t.status}${t.reason ? `: ${t.reason}` : ''}`;
  $('meta').className = `meta ${t.status}`;
  go(view, -1);
}

async function start(): Promise<void> {
  const response = await fetch('trace.json');
  if (!response.ok) throw new Error(`trace.json: HTTP ${response.status}`);
  const { traces } = (await response.json()) as { traces: Trace[] };
  if (traces.length === 0) throw new Error('the scenario has no instances');
  const view: View = { traces, trace: traces[0]!, position: -1 };
  const picker = $('instance') as HTMLSelectElement;
  picker.replaceChildren(...traces.map((t, i) => el('option', { value: String(i) }, `${t.id} (${t.status})`)));
  picker.hidden = traces.length < 2;
  picker.addEventListener('change', () => choose(view, Number(picker.value)));
  $('first').addEventListener('click', () => go(view, -1));
  $('prev').addEventListener('click', () => go(view, view.position - 1));
  $('next').addEventListener('click', () => go(view, view.position + 1));
  $('last').addEventListener('click', () => go(view, view.trace.steps.length - 1));
  $('slider').addEventListener('input', (e) => go(view, Number((e.target as HTMLInputElement).value)));
  document.addEventListener('keydown', (e) => {
    if (e.target instanceof HTMLSelectElement || e.target instanceof HTMLInputElement) return;
    if (e.key === 'ArrowRight') go(view, view.position + 1);
    else if (e.key === 'ArrowLeft') go(view, view.position - 1);
    else if (e.key === 'Home') go(view, -1);
    else if (e.key === 'End') go(view, view.trace.steps.length - 1);
  });
  choose(view, 0);
  document.body.dataset.ready = 'true';
}

start().catch((err: unknown) => {
  $('error').textContent = `The explorer could not start: ${(err as Error).message}`;
  document.body.dataset.ready = 'error';
});

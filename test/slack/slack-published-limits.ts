import { expect } from 'vitest';

/**
 * Slack's published Block Kit limits, written here from Slack's reference pages (docs.slack.dev: Modal views,
 * Blocks, Section / Header / Context / Input blocks, Button / Plain-text input elements, Option object), and
 * never imported from the code under test: a test that compared the views with the code's own constants
 * would pass whatever those constants said.
 */
export const SLACK = {
  modalTitle: 24,
  modalSubmit: 24,
  modalClose: 24,
  privateMetadata: 3000,
  callbackId: 255,
  modalBlocks: 100,
  homeBlocks: 100,
  messageBlocks: 50,
  /** chat.postMessage truncates a message's top-level text beyond this. */
  messageText: 40000,
  sectionText: 3000,
  textObject: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  inputLabel: 2000,
  inputHint: 2000,
  placeholder: 150,
  plainTextInputMaxLength: 3000,
  buttonText: 75,
  buttonValue: 2000,
  optionText: 75,
  actionId: 255,
  blockId: 255,
} as const;

export type Surface = 'modal' | 'home' | 'message';

const length = (text: unknown) => Array.from(typeof text === 'string' ? text : '').length;
const textOf = (value: unknown) =>
  value && typeof value === 'object' && 'text' in value ? (value as { text: unknown }).text : undefined;

type Node = Record<string, unknown>;
const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null;

function checkElement(node: Node, where: string): void {
  const at = `${where} ${String(node.type)}`;
  if (typeof node.action_id === 'string')
    expect(node.action_id.length, at).toBeLessThanOrEqual(SLACK.actionId);
  if ('placeholder' in node)
    expect(length(textOf(node.placeholder)), at).toBeLessThanOrEqual(SLACK.placeholder);
  if (node.type === 'button') {
    expect(length(textOf(node.text)), at).toBeLessThanOrEqual(SLACK.buttonText);
    expect(length(node.value), at).toBeLessThanOrEqual(SLACK.buttonValue);
  }
  if (node.type === 'plain_text_input' && node.max_length !== undefined) {
    expect(node.max_length, at).toBeLessThanOrEqual(SLACK.plainTextInputMaxLength);
  }
  for (const option of Array.isArray(node.options) ? node.options : []) {
    expect(length(textOf(option)), `${at} option`).toBeLessThanOrEqual(SLACK.optionText);
  }
}

function checkBlock(block: Node, index: number): void {
  const at = `block ${index} (${String(block.type)})`;
  if (typeof block.block_id === 'string')
    expect(block.block_id.length, at).toBeLessThanOrEqual(SLACK.blockId);
  switch (block.type) {
    case 'section': {
      expect(length(textOf(block.text)), at).toBeLessThanOrEqual(SLACK.sectionText);
      const fields = Array.isArray(block.fields) ? block.fields : [];
      expect(fields.length, at).toBeLessThanOrEqual(SLACK.sectionFields);
      for (const field of fields) expect(length(textOf(field)), at).toBeLessThanOrEqual(SLACK.fieldText);
      if (isNode(block.accessory)) checkElement(block.accessory, at);
      break;
    }
    case 'header':
      expect(length(textOf(block.text)), at).toBeLessThanOrEqual(SLACK.headerText);
      break;
    case 'context': {
      const elements = Array.isArray(block.elements) ? block.elements : [];
      expect(elements.length, at).toBeLessThanOrEqual(SLACK.contextElements);
      for (const element of elements)
        expect(length(textOf(element)), at).toBeLessThanOrEqual(SLACK.textObject);
      break;
    }
    case 'input':
      expect(length(textOf(block.label)), at).toBeLessThanOrEqual(SLACK.inputLabel);
      expect(length(textOf(block.hint)), at).toBeLessThanOrEqual(SLACK.inputHint);
      if (isNode(block.element)) checkElement(block.element, at);
      break;
    case 'actions':
      for (const element of Array.isArray(block.elements) ? block.elements : []) {
        if (isNode(element)) checkElement(element, at);
      }
      break;
  }
}

/** Every Slack limit a surface can break, checked on its blocks (and, for a modal, its frame). */
export function expectWithinSlackLimits(surface: Surface, surfaceView: { blocks: readonly object[] }): void {
  const view: Node & { blocks: readonly object[] } = { ...surfaceView };
  const maxBlocks = { modal: SLACK.modalBlocks, home: SLACK.homeBlocks, message: SLACK.messageBlocks }[
    surface
  ];
  expect(view.blocks.length, `${surface} blocks`).toBeLessThanOrEqual(maxBlocks);
  view.blocks.forEach((block, index) => {
    if (isNode(block)) checkBlock(block, index);
  });
  if (surface === 'home' || surface === 'modal') {
    expect(length(view.private_metadata), 'private_metadata').toBeLessThanOrEqual(SLACK.privateMetadata);
    expect(length(view.callback_id), 'callback_id').toBeLessThanOrEqual(SLACK.callbackId);
  }
  if (surface === 'modal') {
    expect(length(textOf(view.title)), 'modal title').toBeLessThanOrEqual(SLACK.modalTitle);
    expect(length(textOf(view.submit)), 'modal submit').toBeLessThanOrEqual(SLACK.modalSubmit);
    expect(length(textOf(view.close)), 'modal close').toBeLessThanOrEqual(SLACK.modalClose);
  }
}

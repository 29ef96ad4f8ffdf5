import assert from "node:assert/strict";
import { test } from "node:test";
import {
  definePromptTemplate, fillTemplate, judgeAnswer, parsePromptDataset, parsePromptTemplate, PromptTemplateError, renderPrompt, templateVariables,
} from "../../src/llm/prompts/index.js";

test("templateVariables lists variables in order of first use and rejects malformed placeholders", () => {
  assert.deepEqual(templateVariables("{{a}} and {{ b }} then {{a}}"), ["a", "b"]);
  assert.throws(() => templateVariables("hi {{ 1x }}"), /"\{\{ 1x \}\}" is not a variable/);
});

test("fillTemplate names missing and unused values", () => {
  assert.equal(fillTemplate("Q: {{q}} A:", { q: "why?" }), "Q: why? A:");
  assert.throws(() => fillTemplate("{{q}} {{ctx}}", { q: "x" }), (e: Error) => e instanceof PromptTemplateError && /missing value for "ctx"/.test(e.message));
  assert.throws(() => fillTemplate("{{q}}", { q: "x", extra: "y" }), /"extra" is not used by the template/);
});

test("definePromptTemplate checks declared variables and every few-shot example", () => {
  const ok = definePromptTemplate({ template: "Review: {{review}}\nLabel:", variables: ["review"], examples: [{ input: { review: "great" }, output: " positive" }] });
  assert.deepEqual(ok.variables, ["review"]);
  assert.throws(() => definePromptTemplate({ template: "{{review}}", variables: ["review", "stars"] }, "t.yaml"), /t\.yaml: variables: "stars" is declared but not used/);
  assert.throws(() => definePromptTemplate({ template: "{{review}} {{stars}}", variables: ["review"] }, "t.yaml"), /"stars" is used in the template but not declared/);
  assert.throws(() => definePromptTemplate({ template: "{{review}}", examples: [{ input: { text: "x" }, output: "y" }] }, "t.yaml"), /t\.yaml: examples\[0\]\.input: missing value for "review"/);
  assert.throws(() => definePromptTemplate({ template: "{{review}}", examples: [{ input: { review: "x" } }] }), /examples\[0\]\.output: expected a string/);
  assert.throws(() => definePromptTemplate({ template: "x", temperature: 1 }), /temperature: unknown field/);
});

test("renderPrompt puts the few-shot examples before the input, as chat turns or one text", () => {
  const chat = definePromptTemplate({ system: "Label sentiment.", template: "Review: {{r}}", examples: [{ input: { r: "good" }, output: "positive" }] });
  assert.deepEqual(renderPrompt(chat, { r: "bad" }), {
    mode: "chat",
    messages: [
      { role: "system", content: "Label sentiment." },
      { role: "user", content: "Review: good" },
      { role: "assistant", content: "positive" },
      { role: "user", content: "Review: bad" },
    ],
  });
  const completion = definePromptTemplate({ mode: "completion", template: "Q: {{q}}\nA:", examples: [{ input: { q: "1+1" }, output: " 2" }], separator: "\n" });
  assert.deepEqual(renderPrompt(completion, { q: "2+2" }), { mode: "completion", prompt: "Q: 1+1\nA: 2\nQ: 2+2\nA:" });
  assert.throws(() => renderPrompt(completion, { question: "2+2" }, "dataset[3]"), /dataset\[3\]: missing value for "q"/);
});

test("template files report YAML syntax errors with the line", () => {
  assert.throws(() => parsePromptTemplate("template: 'x\nvariables: [a", "t.yaml"), /t\.yaml:\d+:\d+: syntax error/);
  const t = parsePromptTemplate("mode: completion\ntemplate: |\n  Text: {{text}}\n  Label:\n", "t.yaml");
  assert.equal(t.template, "Text: {{text}}\nLabel:\n");
});

test("labelled sets in JSON Lines: nested or flat variables, errors give the line", () => {
  const rows = parsePromptDataset('{"vars": {"q": "a"}, "expected": "x"}\n\n{"q": 2, "expected": {"k": 1}}\n', "d.jsonl");
  assert.deepEqual(rows, [{ vars: { q: "a" }, expected: "x" }, { vars: { q: "2" }, expected: '{"k":1}' }]);
  assert.throws(() => parsePromptDataset('{"q": "a"}\n{"q": \n', "d.jsonl"), /d\.jsonl:2: not valid JSON/);
  assert.throws(() => parsePromptDataset('{"q": ["a"]}', "d.jsonl"), /d\.jsonl:1: value of "q" must be a string/);
});

test("judgeAnswer: exact match is strict, accuracy reads a label, json_valid parses", () => {
  assert.equal(judgeAnswer("exact_match", " positive\n", "positive"), true);
  assert.equal(judgeAnswer("exact_match", "Positive", "positive"), false);
  assert.equal(judgeAnswer("accuracy", "Positive.", "positive"), true);
  assert.equal(judgeAnswer("accuracy", "positive, because it is good", "positive"), true);
  assert.equal(judgeAnswer("accuracy", "positively not", "positive"), false);
  assert.equal(judgeAnswer("accuracy", "negative", "positive"), false);
  assert.equal(judgeAnswer("json_valid", '{"a": [1, 2]}', undefined), true);
  assert.equal(judgeAnswer("json_valid", '{"a": [1, 2]', undefined), false);
});

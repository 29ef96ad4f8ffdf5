// Prompt engineering: templates with variables and few-shot examples, versioned in the registry, and
// scored against labelled sets.
export { definePromptTemplate, fillTemplate, PromptTemplateError, renderPrompt, templateVariables, type FewShotExample, type PromptTemplate, type RenderedPrompt } from "./template.js";
export { loadPromptDataset, loadPromptTemplate, parsePromptDataset, parsePromptTemplate, promptTemplateToYaml, type PromptExample } from "./files.js";
export { evaluatePrompt, judgeAnswer, PROMPT_METRICS, type EvaluatePromptOptions, type ExampleResult, type PromptEvaluation, type PromptMetric } from "./evaluate.js";
export { loadRegisteredPrompt, PROMPT_FILE, registerPrompt, type RegisteredPrompt, type RegisterPromptOptions } from "./registry.js";

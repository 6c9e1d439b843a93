/**
 * @plugml/core/testing: the conformance kit for engine authors.
 *
 * @packageDocumentation
 */
export { runConformanceSuite, DEFAULT_TOLERANCE, type ConformanceOptions, type TestFramework } from "./suite.js";
export { sklearnReference } from "./sklearn-reference.js";
export type * from "./reference-types.js";
export { assertAllClose, assertClose, assertEqual, type NestedNumbers } from "./assert.js";

// Loading untrusted saved models: every malformed input is a ValidationError that says where it is wrong, and
// nothing of it reaches a prototype or an engine.
import { KMeans, KNeighborsClassifier, KNeighborsRegressor, loadModel, Pipeline, StandardScaler, ValidationError } from "@plugml/core";
import { messageOf } from "./helpers.js";

const X = [[0, 1], [0, 2], [9, 9], [9, 8]];
// Tampering reaches anywhere in the saved JSON.
type Json = Record<string, any>;

let kmeans: Json;
let classifier: Json;
let scaler: Json;
let regressor: Json;
let pipeline: Json;

beforeAll(async () => {
  const parsed = (model: unknown): Json => JSON.parse(JSON.stringify(model));
  kmeans = parsed(await new KMeans({ nClusters: 2, randomState: 0 }).fit(X));
  classifier = parsed(await new KNeighborsClassifier({ nNeighbors: 1 }).fit(X, ["a", "a", "b", "b"]));
  scaler = parsed(await new StandardScaler().fit(X));
  regressor = parsed(await new KNeighborsRegressor({ nNeighbors: 1 }).fit(X, [1, 2, 3, 4]));
  pipeline = parsed(await new Pipeline([["scale", new StandardScaler()], ["cluster", new KMeans({ nClusters: 2, randomState: 0 })]]).fit(X));
});

/** A deep copy of `json` changed by `edit`. */
function tampered(json: Json, edit: (copy: Json) => void): Json {
  const copy = structuredClone(json);
  edit(copy);
  return copy;
}

describe("not a saved model", () => {
  it.each([
    ["null", null, "is null, expected an object"],
    ["an array", [], "is [], expected an object"],
    ["a string", "KMeans", 'is "KMeans", expected an object'],
    ["a number", 3, "is 3, expected an object"],
    ["undefined", undefined, "is missing, expected an object"],
    ["a class instance", new Date(0), "is Date, expected an object"],
  ])("%s", (_, input, problem) => {
    expect(messageOf(() => KMeans.fromJSON(input))).toBe(`KMeans.fromJSON: the input ${problem}.`);
    expect(messageOf(() => loadModel(input))).toBe(`loadModel: the input ${problem}.`);
  });

  it("another format, or none", () => {
    expect(messageOf(() => loadModel({ ...kmeans, format: "onnx" }))).toBe(
      'loadModel: format is "onnx", expected "plugml-model" (the input is not a saved plugml model).',
    );
    expect(messageOf(() => loadModel({ kind: "KMeans" }))).toBe('loadModel: format is missing, expected "plugml-model" (the input is not a saved plugml model).');
  });

  it("a newer or unknown version", () => {
    expect(messageOf(() => loadModel({ ...kmeans, version: 2 }))).toBe(
      "loadModel: version is 2, but this @plugml/core reads saved models up to version 1 (the model was saved by a newer version).",
    );
    expect(messageOf(() => loadModel({ ...kmeans, version: 0 }))).toBe("loadModel: version is 0, expected 1.");
    expect(messageOf(() => loadModel({ ...kmeans, version: "1" }))).toBe('loadModel: version is "1", expected 1.');
  });

  it("an unknown kind, or the wrong kind for X.fromJSON", () => {
    expect(messageOf(() => loadModel({ ...kmeans, kind: "SVC" }))).toContain('loadModel: kind is "SVC", expected "KMeans" or "KNeighborsClassifier"');
    expect(messageOf(() => KMeans.fromJSON(scaler))).toBe('KMeans.fromJSON: kind is "StandardScaler", expected "KMeans".');
    expect(messageOf(() => Pipeline.fromJSON(kmeans))).toBe('Pipeline.fromJSON: kind is "KMeans", expected "Pipeline".');
  });
});

describe("keys", () => {
  it.each(["__proto__", "constructor", "prototype"])("%s is refused at every level, as JSON.parse makes it", (key) => {
    const inject = (text: string, at: string) => text.replace(at, `${at}"${key}":{"polluted":true},`);
    const text = JSON.stringify(classifier);
    expect(messageOf(() => loadModel(JSON.parse(inject(text, "{"))))).toBe(`loadModel: ${key} is not allowed (keys that name prototypes are refused).`);
    expect(messageOf(() => loadModel(JSON.parse(inject(text, '"params":{'))))).toBe(
      `loadModel: params.${key} is not allowed (keys that name prototypes are refused).`,
    );
    expect(messageOf(() => loadModel(JSON.parse(inject(text, '"fitX":{'))))).toBe(
      `loadModel: fitted.fitX.${key} is not allowed (keys that name prototypes are refused).`,
    );
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it("unknown keys", () => {
    expect(messageOf(() => KMeans.fromJSON({ ...kmeans, extra: 1 }))).toBe(
      "KMeans.fromJSON: extra is not a known key (expected format, version, kind, params, engineSetting, fitted).",
    );
    expect(messageOf(() => KMeans.fromJSON(tampered(kmeans, (j) => (j.fitted.centers = []))))).toBe(
      "KMeans.fromJSON: fitted.centers is not a known key (expected engine, nFeaturesIn, clusterCenters, labels, inertia, nIter).",
    );
    expect(messageOf(() => KMeans.fromJSON(tampered(kmeans, (j) => (j.params.seed = 1))))).toBe(
      "KMeans.fromJSON: params.seed is not a known key (expected nClusters, init, nInit, maxIter, tol, randomState).",
    );
    expect(messageOf(() => KMeans.fromJSON(tampered(kmeans, (j) => (j.fitted.clusterCenters.order = "C"))))).toContain(
      "KMeans.fromJSON: fitted.clusterCenters.order is not a known key",
    );
  });

  it("truncated: missing keys", () => {
    expect(messageOf(() => KMeans.fromJSON(tampered(kmeans, (j) => delete j.params)))).toBe("KMeans.fromJSON: params is missing.");
    expect(messageOf(() => KMeans.fromJSON(tampered(kmeans, (j) => delete j.fitted.labels)))).toBe("KMeans.fromJSON: fitted.labels is missing.");
    expect(messageOf(() => KMeans.fromJSON(tampered(kmeans, (j) => delete j.fitted.clusterCenters.data)))).toBe(
      "KMeans.fromJSON: fitted.clusterCenters.data is missing.",
    );
    expect(messageOf(() => KMeans.fromJSON(tampered(kmeans, (j) => delete j.params.tol)))).toBe("KMeans.fromJSON: params.tol is missing.");
    expect(messageOf(() => loadModel(tampered(classifier, (j) => delete j.fitted.classes)))).toBe("loadModel: fitted.classes is missing.");
  });
});

describe("values", () => {
  it("non-finite numbers", () => {
    expect(messageOf(() => KMeans.fromJSON(tampered(kmeans, (j) => (j.fitted.clusterCenters.data[3] = "NaN"))))).toBe(
      "KMeans.fromJSON: fitted.clusterCenters.data[3] is NaN, expected a finite number.",
    );
    expect(messageOf(() => KMeans.fromJSON(tampered(kmeans, (j) => (j.fitted.clusterCenters.data[1] = NaN))))).toBe(
      "KMeans.fromJSON: fitted.clusterCenters.data[1] is NaN, expected a finite number.",
    );
    expect(messageOf(() => loadModel(tampered(classifier, (j) => (j.fitted.fitX.data[0] = "Infinity"))))).toBe(
      "loadModel: fitted.fitX.data[0] is Infinity, expected a finite number.",
    );
    expect(messageOf(() => loadModel(tampered(regressor, (j) => (j.fitted.y[2] = null))))).toBe("loadModel: fitted.y[2] is null, expected a finite number.");
    expect(messageOf(() => loadModel(tampered(kmeans, (j) => (j.fitted.inertia = "-Infinity"))))).toBe(
      'loadModel: fitted.inertia is -Infinity, expected a number >= 0 or "Infinity".',
    );
    expect(messageOf(() => loadModel(tampered(scaler, (j) => (j.fitted.scale[0] = 0))))).toBe(
      'loadModel: fitted.scale[0] is 0, expected a number > 0 or "Infinity".',
    );
  });

  it("wrong shapes", () => {
    expect(messageOf(() => loadModel(tampered(kmeans, (j) => (j.fitted.clusterCenters.rows = 3))))).toBe("loadModel: fitted.clusterCenters.rows is 3, expected 2.");
    expect(messageOf(() => loadModel(tampered(kmeans, (j) => (j.fitted.nFeaturesIn = 3))))).toBe("loadModel: fitted.clusterCenters.cols is 2, expected 3.");
    expect(messageOf(() => loadModel(tampered(kmeans, (j) => j.fitted.clusterCenters.data.pop())))).toBe("loadModel: fitted.clusterCenters.data has 3 values, expected 4.");
    expect(messageOf(() => loadModel(tampered(kmeans, (j) => (j.fitted.labels = [0]))))).toBe(
      "loadModel: fitted.labels has 1 values, expected at least nClusters = 2 (one per training sample).",
    );
    expect(messageOf(() => loadModel(tampered(classifier, (j) => j.fitted.y.push(0))))).toBe("loadModel: fitted.y has 5 values, expected 4.");
    expect(messageOf(() => loadModel(tampered(scaler, (j) => j.fitted.mean.push(0))))).toBe("loadModel: fitted.mean has 3 values, expected 2.");
    expect(messageOf(() => loadModel(tampered(classifier, (j) => (j.fitted.nClasses = 3))))).toBe("loadModel: fitted.classes has 2 values, expected 3.");
  });

  it("wrong types", () => {
    expect(messageOf(() => loadModel(tampered(kmeans, (j) => (j.fitted.labels[0] = "0"))))).toBe('loadModel: fitted.labels[0] is "0", expected an integer in [0, 1].');
    expect(messageOf(() => loadModel(tampered(kmeans, (j) => (j.fitted.clusterCenters.dtype = "int8"))))).toBe(
      'loadModel: fitted.clusterCenters.dtype is "int8", expected "float32" or "float64".',
    );
    expect(messageOf(() => loadModel(tampered(kmeans, (j) => (j.fitted.clusterCenters = [[0, 1.5], [9, 8.5]]))))).toBe(
      "loadModel: fitted.clusterCenters is [[0, 1.5], [9, 8.5]], expected an object.",
    );
    expect(messageOf(() => loadModel(tampered(kmeans, (j) => (j.fitted.engine = ""))))).toBe('loadModel: fitted.engine is "", expected a non-empty string.');
    expect(messageOf(() => loadModel(tampered(kmeans, (j) => (j.params.nClusters = "2"))))).toBe(
      'loadModel: params: parameter nClusters must be an integer >= 1, got "2".',
    );
    expect(messageOf(() => loadModel(tampered(kmeans, (j) => (j.params.init = { rows: 2 }))))).toBe(
      "loadModel: params.init is an object, expected a number, a string, a boolean or an array of arrays of numbers.",
    );
    expect(messageOf(() => loadModel(tampered(kmeans, (j) => (j.params.init = [[0, "x"]]))))).toBe("loadModel: params.init[0][1] is \"x\", expected a finite number.");
    const float32 = (j: Json) => {
      j.fitted.fitX.dtype = "float32";
      j.fitted.fitX.data[1] = 0.1;
    };
    expect(messageOf(() => loadModel(tampered(classifier, float32)))).toBe("loadModel: fitted.fitX.data[1] is 0.1, expected a float32 value (the dtype is float32).");
  });

  it("codes and classes that do not fit together", () => {
    expect(messageOf(() => loadModel(tampered(kmeans, (j) => (j.fitted.labels[2] = 5))))).toBe("loadModel: fitted.labels[2] is 5, expected an integer in [0, 1].");
    expect(messageOf(() => loadModel(tampered(classifier, (j) => (j.fitted.y[1] = 2))))).toBe("loadModel: fitted.y[1] is 2, expected an integer in [0, 1].");
    expect(messageOf(() => loadModel(tampered(classifier, (j) => (j.fitted.classes = ["a", "a"]))))).toBe('loadModel: fitted.classes[1] repeats the class "a".');
    expect(messageOf(() => loadModel(tampered(classifier, (j) => (j.fitted.classes = ["a", 2]))))).toBe("loadModel: fitted.classes[1] is 2, expected a string.");
    expect(messageOf(() => loadModel(tampered(classifier, (j) => (j.fitted.y = [0, 0, 0, 0]))))).toBe(
      "loadModel: fitted.classes[1] is the label of no training sample (y never refers to it).",
    );
    expect(messageOf(() => loadModel(tampered(kmeans, (j) => (j.fitted.nIter = 301))))).toBe("loadModel: fitted.nIter is 301, expected an integer in [1, 300].");
  });

  it("engine settings are checked as setComputationalEngine checks them", () => {
    expect(messageOf(() => loadModel({ ...kmeans, engineSetting: { engines: [] } }))).toBe("loadModel: engineSetting.engines is [], expected a non-empty array of engine names.");
    expect(messageOf(() => loadModel({ ...kmeans, engineSetting: { engines: ["cpu"], fallback: "yes" } }))).toBe(
      'loadModel: engineSetting.fallback is "yes", expected a boolean.',
    );
    expect(messageOf(() => loadModel({ ...kmeans, engineSetting: { engines: ["cpu"], transfers: "sometimes" } }))).toBe(
      'loadModel: engineSetting.transfers is "sometimes", expected "allow" or "error".',
    );
  });
});

describe("Pipelines", () => {
  it("a step's problem is told with its place in the Pipeline", () => {
    expect(messageOf(() => loadModel(tampered(pipeline, (j) => (j.steps[1][1].fitted.labels[0] = -1))))).toBe(
      "loadModel: steps[1][1].fitted.labels[0] is -1, expected an integer in [0, 1].",
    );
    expect(messageOf(() => Pipeline.fromJSON(tampered(pipeline, (j) => (j.steps[0][1].kind = "Pipeline"))))).toContain(
      'Pipeline.fromJSON: steps[0][1].kind is "Pipeline", expected "KMeans" or',
    );
  });

  it("steps: empty, not pairs, repeated names, a non-final step without transform", () => {
    expect(messageOf(() => loadModel({ ...pipeline, steps: [] }))).toBe("loadModel: steps is [], expected a non-empty array of [name, step].");
    expect(messageOf(() => loadModel(tampered(pipeline, (j) => j.steps[0].pop())))).toBe("loadModel: steps[0] has 1 values, expected 2.");
    expect(messageOf(() => loadModel(tampered(pipeline, (j) => (j.steps[1][0] = "scale"))))).toBe('loadModel: steps[1][0] repeats the step name "scale".');
    expect(messageOf(() => loadModel(tampered(pipeline, (j) => (j.steps[0][1] = classifier))))).toBe(
      "loadModel: steps[0][1] has no transform method, so it cannot come before the last step.",
    );
  });

  it("every failure is a ValidationError, never a TypeError", () => {
    for (const input of [{ ...pipeline, steps: [[1, 2]] }, { ...pipeline, steps: "x" }, { ...kmeans, fitted: null }, { ...kmeans, params: [] }]) {
      expect(() => loadModel(input)).toThrow(ValidationError);
    }
  });
});

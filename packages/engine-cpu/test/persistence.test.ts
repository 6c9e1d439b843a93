// Saved models on engine-cpu: every estimator and Pipeline, float32 and float64, string and number labels, through
// JSON text and back, computing exactly what the original computes.
import { roundTripCases } from "../../core/test/persistence-cases.js";

describe("saved models on engine-cpu", () => {
  roundTripCases(() => "cpu");
});

/** The CloudWatch namespace of the economy's own metrics (the oracle's and the audit's). Plain data: infra/ reads it at synth. */
export const METRICS_NAMESPACE = 'Syntropism';

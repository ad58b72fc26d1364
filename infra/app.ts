/** `cdk synth` / `cdk deploy` run this (cdk.json's "app"). */
import { buildApp } from './build-app.js';

buildApp().app.synth();

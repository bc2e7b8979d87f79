#!/usr/bin/env node
// The CDK app `cdk synth` / `cdk deploy` run (see ../cdk.json).
import { createApp } from '../lib/app.ts';

createApp().synth();

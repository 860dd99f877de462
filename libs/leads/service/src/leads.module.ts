import { Module } from '@nestjs/common';

/** The leads context: lead capture, dedupe, scoring, routing, qualification and conversion. */
@Module({})
export class LeadsModule {}

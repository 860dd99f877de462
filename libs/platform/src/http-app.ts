import { DynamicModule, INestApplication, Logger, Module, Type, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from '@fastify/helmet';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import { RequestActor } from './auth/request-context';
import { storableInputErrors } from './http/storable-input';
import { Infrastructure, InfrastructureModule } from './infrastructure.module';
import { flattenValidationErrors, ProblemDetailsFilter, RequestValidationFailed } from './problem-details';
import { traceHttpRequests } from './observability/tracing';

export type HttpAppOptions = {
  title: string;
  description: string;
  modules: Array<Type<unknown> | DynamicModule>;
};

@Module({})
class RootModule {}

/** Builds the Nest application on Fastify with the conventions every service shares. */
export const createHttpApp = async (infrastructure: Infrastructure, options: HttpAppOptions): Promise<NestFastifyApplication> => {
  const root: DynamicModule = { module: RootModule, imports: [InfrastructureModule.forRoot(infrastructure), ...options.modules] };
  const app = await NestFactory.create<NestFastifyApplication>(
    root,
    // requestTimeout bounds receiving a request (slow clients); TimeoutInterceptor bounds answering it.
    new FastifyAdapter({ bodyLimit: infrastructure.config.bodyLimit, requestTimeout: infrastructure.config.requestTimeoutMs }),
    {
    bufferLogs: true,
    abortOnError: false,
    },
  );
  app.useLogger(app.get(PinoNestLogger));
  // Input no handler could store or walk (too deep, NUL, lone surrogates) is refused before any
  // interceptor or pipe touches it, on every route, whether or not it declares a body.
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('preHandler', async (request, reply) => {
      const errors = [...storableInputErrors(request.body), ...storableInputErrors(request.query).map((error) => ({ ...error, field: `query.${error.field}` }))];
      if (errors.length === 0) return;
      await reply
        .code(400)
        .type('application/problem+json')
        .send({ type: 'https://crm.example/problems/validation', title: 'Request validation failed', status: 400, errors, instance: request.url.split('?')[0] });
    });
  // A SERVER span per request when an OpenTelemetry exporter is configured (OTEL_TRACES_EXPORTER).
  if (infrastructure.config.tracesExporter !== 'none') traceHttpRequests(app);
  // HTTP latency by route pattern (not by URL: ids would explode the label set), and commands by outcome.
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions?.url ?? 'unmatched';
      const status = reply.statusCode;
      infrastructure.metrics.httpDuration.observe({ method: request.method, route, status: String(status) }, reply.elapsedTime / 1000);
      if (!route.startsWith('/health') && route !== '/metrics') {
        const actor = (request as { actor?: RequestActor }).actor;
        infrastructure.logger.info(
          {
            method: request.method,
            route,
            status,
            ms: Math.round(reply.elapsedTime * 10) / 10,
            ...(actor ? { tenant: actor.tenantId, actor: { id: actor.userId, role: actor.role }, correlationId: actor.correlationId, ...(actor.traceparent ? { traceparent: actor.traceparent } : {}) } : {}),
          },
          'request',
        );
      }
      if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(request.method)) {
        infrastructure.metrics.commands.inc({ route, outcome: status < 400 ? 'accepted' : status < 500 ? 'rejected' : 'failed' });
        if (status === 412) infrastructure.metrics.conflicts.inc({ kind: 'if-match' });
      }
    });
  // Security headers on every answer. The CSP allows what the API docs page needs and nothing from elsewhere.
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
  });
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) => new RequestValidationFailed(flattenValidationErrors(errors)),
    }),
  );
  app.useGlobalFilters(new ProblemDetailsFilter());
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle(options.title).setDescription(options.description).setVersion('1').addBearerAuth().build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
};

export const closeQuietly = async (app: INestApplication | undefined) => {
  try {
    await app?.close();
  } catch (error) {
    new Logger('Shutdown').warn(`closing the HTTP app failed: ${(error as Error).message}`);
  }
};

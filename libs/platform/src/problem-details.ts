import { ArgumentsHost, BadRequestException, Catch, ExceptionFilter, HttpException, HttpStatus, Logger, ValidationError } from '@nestjs/common';
import { CommandRejected, DuplicateEventIdError, RejectionKind, WrongExpectedRevisionError } from '@crm/event-sourcing';

/** RFC 9457 problem details. `errors` lists field-level validation failures. */
export type ProblemDetails = {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
};

export type FieldError = { field: string; messages: string[] };

const problemType = (slug: string) => `https://crm.example/problems/${slug}`;

/** Thrown by the validation pipe: carries every field's failures. */
export class RequestValidationFailed extends BadRequestException {
  constructor(readonly fieldErrors: FieldError[]) {
    super('request validation failed');
  }
}

/** Flattens class-validator's nested errors into `a.b[2].c` field paths. */
export const flattenValidationErrors = (errors: ValidationError[], parent = ''): FieldError[] =>
  errors.flatMap((error) => {
    const field = parent ? (/^\d+$/.test(error.property) ? `${parent}[${error.property}]` : `${parent}.${error.property}`) : error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });

const statusOfRejection = (kind: RejectionKind): number => {
  switch (kind) {
    case 'invalid':
      return HttpStatus.UNPROCESSABLE_ENTITY;
    case 'not_found':
      return HttpStatus.NOT_FOUND;
    case 'conflict':
      return HttpStatus.CONFLICT;
    case 'forbidden':
      return HttpStatus.FORBIDDEN;
    default: {
      const unreachable: never = kind;
      return unreachable;
    }
  }
};

type FastifyLikeReply = { status: (code: number) => FastifyLikeReply; header: (name: string, value: string) => FastifyLikeReply; send: (body: unknown) => void };
type FastifyLikeRequest = { url?: string; headers?: Record<string, string | string[] | undefined> };

/** Maps every error to application/problem+json; unexpected ones are logged and hidden. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyLikeReply>();
    const request = http.getRequest<FastifyLikeRequest>();
    const problem = this.toProblem(exception, request);
    problem.instance = request.url;
    reply.status(problem.status).header('content-type', 'application/problem+json; charset=utf-8').send(problem);
  }

  toProblem(exception: unknown, request: FastifyLikeRequest): ProblemDetails {
    if (exception instanceof RequestValidationFailed) {
      return { type: problemType('validation'), title: 'Request validation failed', status: 400, errors: exception.fieldErrors };
    }
    if (exception instanceof CommandRejected) {
      return { type: problemType(exception.code), title: exception.message, status: statusOfRejection(exception.kind), code: exception.code, ...exception.details };
    }
    if (exception instanceof WrongExpectedRevisionError) {
      const ifMatch = request.headers?.['if-match'];
      return {
        type: problemType('revision-conflict'),
        title: ifMatch ? 'The record changed since the revision in If-Match' : 'The record was changed concurrently; retry',
        status: ifMatch ? HttpStatus.PRECONDITION_FAILED : HttpStatus.CONFLICT,
        currentRevision: exception.actual,
      };
    }
    if (exception instanceof DuplicateEventIdError) {
      return { type: problemType('duplicate-event'), title: exception.message, status: HttpStatus.CONFLICT };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const body = typeof response === 'object' && response !== null ? (response as Record<string, unknown>) : {};
      const detail = typeof response === 'string' ? response : Array.isArray(body.message) ? body.message.join('; ') : (body.message as string | undefined);
      const { message: _message, error: _error, statusCode: _statusCode, ...extensions } = body;
      return { type: problemType(slug(status)), title: httpTitle(status), status, detail, ...extensions };
    }
    const fastifyError = exception as { statusCode?: number; code?: string; message?: string };
    if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
      // Fastify's own client errors: malformed JSON, body too large, unsupported media type.
      return { type: problemType(slug(fastifyError.statusCode)), title: httpTitle(fastifyError.statusCode), status: fastifyError.statusCode, detail: fastifyError.message, code: fastifyError.code };
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    return { type: problemType('internal'), title: 'Internal server error', status: 500 };
  }
}

const httpTitle = (status: number): string =>
  ({ 400: 'Bad request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not found', 405: 'Method not allowed', 406: 'Not acceptable', 409: 'Conflict', 412: 'Precondition failed', 413: 'Payload too large', 415: 'Unsupported media type', 422: 'Unprocessable content', 429: 'Too many requests', 503: 'Service unavailable' })[status] ??
  (status >= 500 ? 'Server error' : 'Client error');

const slug = (status: number) => httpTitle(status).toLowerCase().replace(/[^a-z]+/g, '-');

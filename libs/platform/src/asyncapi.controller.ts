import { asyncApiDocument } from '@crm/contracts';
import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from './auth/request-context';

/**
 * `GET /asyncapi`: the AsyncAPI 3.0 document of the event catalogue (topics, messages, headers,
 * payload schemas), without a token like the OpenAPI document; docs/asyncapi.yaml holds the same.
 */
@ApiTags('events')
@Public()
@SkipThrottle()
@Controller('asyncapi')
export class AsyncApiController {
  private readonly asyncapi = asyncApiDocument();

  @Get()
  @ApiOperation({ summary: 'The AsyncAPI 3.0 document of the Kafka topics and event types (JSON)' })
  document(): object {
    return this.asyncapi;
  }
}

import { Controller, Get, Header, InternalServerErrorException, StreamableFile } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '@crm/platform';
import { createReadStream, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { dashboardHtml, dashboardScript } from './dashboard.page';

/**
 * Chart.js's browser build, from the installed package: its exports name only the module builds, so
 * the UMD file is found beside the CommonJS entry (the same from src/ under Jest and from dist/).
 */
const chartJsPath = (): string => {
  const path = join(dirname(require.resolve('chart.js')), 'chart.umd.js');
  if (!existsSync(path)) throw new InternalServerErrorException(`chart.js's browser build is not at ${path}: reinstall the dependencies (npm ci)`);
  return path;
};

/**
 * The analytics dashboard: a static page and its scripts, public because a browser cannot send a
 * bearer token when it navigates. The data stays behind the token: the page calls the analytics
 * APIs with the one it is given in its URL fragment (/dashboard#token=…).
 */
@ApiExcludeController()
@Public()
@SkipThrottle()
@Controller('dashboard')
export class DashboardController {
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-cache')
  page(): string {
    return dashboardHtml;
  }

  @Get('app.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  @Header('cache-control', 'no-cache')
  script(): string {
    return dashboardScript;
  }

  @Get('chart.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  @Header('cache-control', 'public, max-age=86400')
  chartJs(): StreamableFile {
    return new StreamableFile(createReadStream(chartJsPath()));
  }
}

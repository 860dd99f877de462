import { ForecastCategory } from '@crm/contracts';
import { defaultIdleDays, maxPipelineStages, openForecastCategories } from '@crm/opportunities-domain';
import { Optional } from '@crm/platform';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';

export class PipelineStageDto {
  @ApiProperty({ example: 'Proposal' })
  @IsString()
  @Matches(/^\S(.*\S)?$/, { message: 'name must be non-blank without surrounding spaces' })
  @MaxLength(100)
  name!: string;

  @ApiProperty({ example: 50, description: 'Default win probability, whole percent' }) @IsInt() @Min(0) @Max(100) probability!: number;

  @ApiProperty({ enum: openForecastCategories }) @IsIn(openForecastCategories) forecastCategory!: ForecastCategory;

  @ApiPropertyOptional({ default: defaultIdleDays, description: 'Days without a stage change or activity before the deal is stale' })
  @Optional()
  @IsInt()
  @Min(1)
  @Max(365)
  idleDays?: number;
}

export class DefinePipelineDto {
  @ApiProperty({ type: [PipelineStageDto], description: 'The open stages in order; Won and Lost are implied' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(maxPipelineStages)
  @ValidateNested({ each: true })
  @Type(() => PipelineStageDto)
  stages!: PipelineStageDto[];
}

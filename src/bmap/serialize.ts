/**
 * Pure serializer for bmap XML version 2.0, laid out like bmap-tools' own files so that
 * `bmaptool copy` and people reading it feel at home.
 */
import { createHash } from 'node:crypto';
import { UserError } from '../errors.js';
import { formatBinary } from '../format-bytes.js';
import type { Bmap } from './types.js';

const humanSize = (bytes: number) => formatBinary(bytes, 'bmaptool');

/**
 * XML for `map` with a fresh BmapFileChecksum (map.fileChecksum is ignored). MappedBlocksCount
 * and BlocksCount are recomputed from the ranges and the image size so they cannot disagree.
 */
export function serializeBmap(
  map: Omit<Bmap, 'fileChecksum' | 'version' | 'blocksCount' | 'mappedBlocksCount'>,
): string {
  if (map.checksumType !== 'sha256')
    throw new UserError(`armada writes sha256 bmaps, not ${map.checksumType}`);
  const blocksCount = Math.ceil(map.imageSize / map.blockSize);
  const mapped = map.ranges.reduce((n, r) => n + r.last - r.first + 1, 0);
  const percent = blocksCount ? ((mapped * 100) / blocksCount).toFixed(1) : '0.0';
  const zeros = '0'.repeat(64);
  const lines = [
    '<?xml version="1.0" ?>',
    '<!-- This file contains the block map for an image file: the blocks that hold data',
    '     (partition table, file-system metadata, files). Only these are copied to the card;',
    '     the other blocks are holes in the image and need not be written.',
    '     Written by armada in the bmap-tools format version 2.0. -->',
    '',
    '<bmap version="2.0">',
    `    <!-- Image size in bytes: ${humanSize(map.imageSize)} -->`,
    `    <ImageSize> ${map.imageSize} </ImageSize>`,
    '',
    '    <!-- Size of a block in bytes -->',
    `    <BlockSize> ${map.blockSize} </BlockSize>`,
    '',
    '    <!-- Count of blocks in the image file -->',
    `    <BlocksCount> ${blocksCount} </BlocksCount>`,
    '',
    `    <!-- Count of mapped blocks: ${humanSize(mapped * map.blockSize)} or ${percent}% -->`,
    `    <MappedBlocksCount> ${mapped} </MappedBlocksCount>`,
    '',
    '    <!-- Type of checksum used in this file -->',
    `    <ChecksumType> ${map.checksumType} </ChecksumType>`,
    '',
    '    <!-- The checksum of this bmap file. When it is calculated, the value of',
    '         the checksum has be zero (all ASCII "0" symbols).  -->',
    `    <BmapFileChecksum> ${zeros} </BmapFileChecksum>`,
    '',
    '    <!-- The block map: ranges of blocks, each with the checksum of its bytes. -->',
    '    <BlockMap>',
    ...map.ranges.map((r) => {
      const attr = r.checksum ? ` chksum="${r.checksum}"` : '';
      const span = r.first === r.last ? `${r.first}` : `${r.first}-${r.last}`;
      return `        <Range${attr}> ${span} </Range>`;
    }),
    '    </BlockMap>',
    '</bmap>',
    '',
  ];
  const xml = lines.join('\n');
  const digest = createHash('sha256').update(xml).digest('hex');
  return xml.replace(
    `<BmapFileChecksum> ${zeros} </BmapFileChecksum>`,
    `<BmapFileChecksum> ${digest} </BmapFileChecksum>`,
  );
}

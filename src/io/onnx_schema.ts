// The part of ONNX's protobuf schema an exported model uses, as a protobufjs JSON descriptor
// (`protobuf.Root.fromJSON(ONNX_SCHEMA)`). Copied from onnx/onnx.proto3 of https://github.com/onnx/onnx at commit
// f7546912001bc31e92a238b17068a21b373d882e: every field number, type, rule and enum value below is ONNX's; field
// names are camelCased as protobufjs does for a parsed .proto (`ir_version` is `irVersion`), which the wire format
// does not see. Left out, because an export never writes them and a decoder skips them as unknown fields:
// ModelProto.training_info (20), functions (25), configuration (26); NodeProto.device_configurations (10);
// AttributeProto.sparse_tensor (22), sparse_tensors (23); GraphProto.sparse_initializer (15),
// quantization_annotation (14); TypeProto's sequence, map, optional, sparse tensor and opaque types; and the
// messages only those use. The file is `syntax = "proto3"`: repeated scalars are packed, and a scalar equal to its
// default (0, '') is not written.

/** A protobufjs JSON descriptor: what `protobuf.Root.fromJSON` reads. */
export type ProtoDescriptor = Record<string, unknown>;

const str = (id: number) => ({ type: 'string', id });
const int64 = (id: number) => ({ type: 'int64', id });
const int32 = (id: number) => ({ type: 'int32', id });
const bytes = (id: number) => ({ type: 'bytes', id });
const msg = (type: string, id: number) => ({ type, id });
const repeated = (type: string, id: number) => ({ rule: 'repeated', type, id });
const packed = (type: string, id: number) => ({ rule: 'repeated', type, id, options: { packed: true } });

/**
 * ONNX's ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto, TypeProto (with
 * TypeProto.Tensor), TensorShapeProto (with Dimension), OperatorSetIdProto and StringStringEntryProto, in package
 * `onnx` (look them up as `onnx.ModelProto`, ...). A plain value: building the protobufjs Root is left to the
 * caller, so importing this module does no work.
 */
export const ONNX_SCHEMA: ProtoDescriptor = {
  nested: {
    onnx: {
      edition: 'proto3',
      nested: {
        Version: {
          values: {
            _START_VERSION: 0,
            IR_VERSION_2017_10_10: 1,
            IR_VERSION_2017_10_30: 2,
            IR_VERSION_2017_11_3: 3,
            IR_VERSION_2019_1_22: 4,
            IR_VERSION_2019_3_18: 5,
            IR_VERSION_2019_9_19: 6,
            IR_VERSION_2020_5_8: 7,
            IR_VERSION_2021_7_30: 8,
            IR_VERSION_2023_5_5: 9,
            IR_VERSION_2024_3_25: 10,
            IR_VERSION_2025_05_12: 11,
            IR_VERSION_2025_08_26: 12,
            IR_VERSION_2025_11_06: 13,
            IR_VERSION: 14,
          },
        },
        AttributeProto: {
          fields: {
            name: str(1),
            refAttrName: str(21),
            docString: str(13),
            type: msg('AttributeType', 20),
            f: { type: 'float', id: 2 },
            i: int64(3),
            s: bytes(4),
            t: msg('TensorProto', 5),
            g: msg('GraphProto', 6),
            tp: msg('TypeProto', 14),
            floats: repeated('float', 7),
            ints: repeated('int64', 8),
            strings: repeated('bytes', 9),
            tensors: repeated('TensorProto', 10),
            graphs: repeated('GraphProto', 11),
            typeProtos: repeated('TypeProto', 15),
          },
          reserved: [[12, 12], [16, 19], 'v'],
          nested: {
            AttributeType: {
              values: {
                UNDEFINED: 0,
                FLOAT: 1,
                INT: 2,
                STRING: 3,
                TENSOR: 4,
                GRAPH: 5,
                SPARSE_TENSOR: 11,
                TYPE_PROTO: 13,
                FLOATS: 6,
                INTS: 7,
                STRINGS: 8,
                TENSORS: 9,
                GRAPHS: 10,
                SPARSE_TENSORS: 12,
                TYPE_PROTOS: 14,
              },
            },
          },
        },
        ValueInfoProto: {
          fields: {
            name: str(1),
            type: msg('TypeProto', 2),
            docString: str(3),
            metadataProps: repeated('StringStringEntryProto', 4),
          },
        },
        NodeProto: {
          fields: {
            input: repeated('string', 1),
            output: repeated('string', 2),
            name: str(3),
            opType: str(4),
            domain: str(7),
            overload: str(8),
            attribute: repeated('AttributeProto', 5),
            docString: str(6),
            metadataProps: repeated('StringStringEntryProto', 9),
          },
        },
        ModelProto: {
          fields: {
            irVersion: int64(1),
            opsetImport: repeated('OperatorSetIdProto', 8),
            producerName: str(2),
            producerVersion: str(3),
            domain: str(4),
            modelVersion: int64(5),
            docString: str(6),
            graph: msg('GraphProto', 7),
            metadataProps: repeated('StringStringEntryProto', 14),
          },
        },
        StringStringEntryProto: {
          fields: { key: str(1), value: str(2) },
        },
        GraphProto: {
          fields: {
            node: repeated('NodeProto', 1),
            name: str(2),
            initializer: repeated('TensorProto', 5),
            docString: str(10),
            input: repeated('ValueInfoProto', 11),
            output: repeated('ValueInfoProto', 12),
            valueInfo: repeated('ValueInfoProto', 13),
            metadataProps: repeated('StringStringEntryProto', 16),
          },
          reserved: [[3, 4], [6, 9], 'ir_version', 'producer_version', 'producer_tag', 'domain'],
        },
        TensorProto: {
          fields: {
            dims: repeated('int64', 1),
            dataType: int32(2),
            segment: msg('Segment', 3),
            floatData: packed('float', 4),
            int32Data: packed('int32', 5),
            stringData: repeated('bytes', 6),
            int64Data: packed('int64', 7),
            name: str(8),
            docString: str(12),
            rawData: bytes(9),
            externalData: repeated('StringStringEntryProto', 13),
            dataLocation: msg('DataLocation', 14),
            doubleData: packed('double', 10),
            uint64Data: packed('uint64', 11),
            metadataProps: repeated('StringStringEntryProto', 16),
          },
          nested: {
            DataType: {
              values: {
                UNDEFINED: 0,
                FLOAT: 1,
                UINT8: 2,
                INT8: 3,
                UINT16: 4,
                INT16: 5,
                INT32: 6,
                INT64: 7,
                STRING: 8,
                BOOL: 9,
                FLOAT16: 10,
                DOUBLE: 11,
                UINT32: 12,
                UINT64: 13,
                COMPLEX64: 14,
                COMPLEX128: 15,
                BFLOAT16: 16,
                FLOAT8E4M3FN: 17,
                FLOAT8E4M3FNUZ: 18,
                FLOAT8E5M2: 19,
                FLOAT8E5M2FNUZ: 20,
                UINT4: 21,
                INT4: 22,
                FLOAT4E2M1: 23,
                FLOAT8E8M0: 24,
                UINT2: 25,
                INT2: 26,
              },
            },
            Segment: {
              fields: { begin: int64(1), end: int64(2) },
            },
            DataLocation: {
              values: { DEFAULT: 0, EXTERNAL: 1 },
            },
          },
        },
        TensorShapeProto: {
          fields: {
            dim: repeated('Dimension', 1),
          },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
              fields: {
                dimValue: int64(1),
                dimParam: str(2),
                denotation: str(3),
              },
            },
          },
        },
        TypeProto: {
          oneofs: { value: { oneof: ['tensorType'] } },
          fields: {
            tensorType: msg('Tensor', 1),
            denotation: str(6),
          },
          nested: {
            Tensor: {
              fields: {
                elemType: int32(1),
                shape: msg('TensorShapeProto', 2),
              },
            },
          },
        },
        OperatorSetIdProto: {
          fields: {
            domain: str(1),
            version: int64(2),
          },
        },
      },
    },
  },
};

// Word offsets of the descriptors the TypeScript side writes into linear memory (src/engine/layout.ts
// mirrors these numbers; test/core/layout.test.ts checks the two agree).

// Model descriptor: i32 words.
export const M_NOPS: i32 = 0;
export const M_STRIDE: i32 = 1; // batch capacity, a multiple of 4: activations are [features][stride]
export const M_LABELS: i32 = 2; // i32[stride]
export const M_PRED: i32 = 3; // i32[stride], written by evaluate()
export const M_CORRECT: i32 = 4; // evaluate() stores the number of correct predictions here
export const M_LOSS: i32 = 5; // the loss block (L_* words); 0 for nn.CrossEntropyLoss() with its defaults
export const M_TARGETS: i32 = 6; // f32 [outDim][stride]: float targets (regression, BCE), 0 when labels
export const M_OPS: i32 = 8; // first op
export const OP_WORDS: i32 = 12;

// Op fields.
export const OP_KIND: i32 = 0;
export const OP_IN_DIM: i32 = 1;
export const OP_OUT_DIM: i32 = 2;
export const OP_IN_ACT: i32 = 3; // [inDim][stride]
export const OP_OUT_ACT: i32 = 4; // [outDim][stride]
export const OP_IN_GRAD: i32 = 5; // 0 for the first op: the input needs no gradient
export const OP_OUT_GRAD: i32 = 6;
export const OP_W: i32 = 7; // [outDim][inDim], PyTorch layout
export const OP_B: i32 = 8;
export const OP_GW: i32 = 9;
export const OP_GB: i32 = 10;
export const OP_ARG: i32 = 11; // f32: LeakyReLU's negative_slope, ELU's alpha

export const KIND_LINEAR: i32 = 0;
export const KIND_TANH: i32 = 1;
export const KIND_RELU: i32 = 2;
export const KIND_SIGMOID: i32 = 3;
export const KIND_LEAKY_RELU: i32 = 4;
export const KIND_GELU: i32 = 5; // exact: x·Φ(x), with erf
export const KIND_GELU_TANH: i32 = 6; // approximate='tanh'
export const KIND_ELU: i32 = 7;
export const KIND_SILU: i32 = 8;

// Loss block (M_LOSS): i32 words, then an f64 argument.
export const L_KIND: i32 = 0;
export const L_REDUCTION: i32 = 1; // 0 mean, 1 sum
export const L_WEIGHT: i32 = 2; // f32[outDim]: CrossEntropyLoss's class weight, BCEWithLogitsLoss's pos_weight; or 0
export const L_ARG: i32 = 4; // f64 in words 4-5: SmoothL1Loss's beta, HuberLoss's delta, label_smoothing
export const L_WORDS: i32 = 8;

export const LOSS_CROSS_ENTROPY: i32 = 0;
export const LOSS_MSE: i32 = 1;
export const LOSS_L1: i32 = 2;
export const LOSS_SMOOTH_L1: i32 = 3;
export const LOSS_HUBER: i32 = 4;
export const LOSS_BCE_WITH_LOGITS: i32 = 5;
export const REDUCTION_MEAN: i32 = 0;
export const REDUCTION_SUM: i32 = 1;

// Optimizer descriptor: i32 words.
export const O_KIND: i32 = 0;
export const O_NPARAMS: i32 = 1;
export const O_GROUPS: i32 = 2; // f64 blocks of G_WORDS each
export const O_PARAMS: i32 = 4; // first param entry
export const P_WORDS: i32 = 8;

export const OPT_ADAM: i32 = 0;
export const OPT_ADAMW: i32 = 1;
export const OPT_SGD: i32 = 2;

// Param entry fields.
export const P_DATA: i32 = 0;
export const P_GRAD: i32 = 1;
export const P_SIZE: i32 = 2;
export const P_GROUP: i32 = 3;
export const P_STATE1: i32 = 4; // Adam exp_avg, SGD momentum_buffer
export const P_STATE2: i32 = 5; // Adam exp_avg_sq
export const P_STATE3: i32 = 6; // Adam max_exp_avg_sq (amsgrad)
export const P_META: i32 = 7; // f64[2]: step count, and 1 once the SGD momentum buffer exists

// Param-group hyper-parameter block: f64 words.
export const G_LR: i32 = 0;
export const G_BETA1: i32 = 1; // Adam beta1, or SGD momentum
export const G_BETA2: i32 = 2;
export const G_EPS: i32 = 3;
export const G_WEIGHT_DECAY: i32 = 4;
export const G_DAMPENING: i32 = 5;
export const G_AMSGRAD: i32 = 6;
export const G_MAXIMIZE: i32 = 7;
export const G_NESTEROV: i32 = 8;
export const G_WORDS: i32 = 10;

// Word offsets of the descriptors shared with the WebAssembly core; mirrors assembly/layout.ts
// (test/core/layout.test.ts checks that the two files agree).

export const M_NOPS = 0;
export const M_STRIDE = 1;
export const M_LABELS = 2;
export const M_PRED = 3;
export const M_CORRECT = 4;
export const M_LOSS = 5;
export const M_TARGETS = 6;
export const M_OPS = 8;
export const OP_WORDS = 12;

export const OP_KIND = 0;
export const OP_IN_DIM = 1;
export const OP_OUT_DIM = 2;
export const OP_IN_ACT = 3;
export const OP_OUT_ACT = 4;
export const OP_IN_GRAD = 5;
export const OP_OUT_GRAD = 6;
export const OP_W = 7;
export const OP_B = 8;
export const OP_GW = 9;
export const OP_GB = 10;
export const OP_ARG = 11;

export const KIND_LINEAR = 0;
export const KIND_TANH = 1;
export const KIND_RELU = 2;
export const KIND_SIGMOID = 3;
export const KIND_LEAKY_RELU = 4;
export const KIND_GELU = 5;
export const KIND_GELU_TANH = 6;
export const KIND_ELU = 7;
export const KIND_SILU = 8;

export const L_KIND = 0;
export const L_REDUCTION = 1;
export const L_WEIGHT = 2;
export const L_ARG = 4;
export const L_WORDS = 8;

export const LOSS_CROSS_ENTROPY = 0;
export const LOSS_MSE = 1;
export const LOSS_L1 = 2;
export const LOSS_SMOOTH_L1 = 3;
export const LOSS_HUBER = 4;
export const LOSS_BCE_WITH_LOGITS = 5;
export const REDUCTION_MEAN = 0;
export const REDUCTION_SUM = 1;

export const O_KIND = 0;
export const O_NPARAMS = 1;
export const O_GROUPS = 2;
export const O_PARAMS = 4;
export const P_WORDS = 8;

export const OPT_ADAM = 0;
export const OPT_ADAMW = 1;
export const OPT_SGD = 2;

export const P_DATA = 0;
export const P_GRAD = 1;
export const P_SIZE = 2;
export const P_GROUP = 3;
export const P_STATE1 = 4;
export const P_STATE2 = 5;
export const P_STATE3 = 6;
export const P_META = 7;

export const G_LR = 0;
export const G_BETA1 = 1;
export const G_BETA2 = 2;
export const G_EPS = 3;
export const G_WEIGHT_DECAY = 4;
export const G_DAMPENING = 5;
export const G_AMSGRAD = 6;
export const G_MAXIMIZE = 7;
export const G_NESTEROV = 8;
export const G_WORDS = 10;

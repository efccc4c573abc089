"""Recurrent layers: cells, the generic `RNN`, LSTM / GRU / SimpleRNN and wrappers."""

from cornu.layers.rnn.gru import GRU, GRUCell  # noqa: F401
from cornu.layers.rnn.lstm import LSTM, LSTMCell  # noqa: F401
from cornu.layers.rnn.rnn import RNN  # noqa: F401
from cornu.layers.rnn.simple_rnn import SimpleRNN, SimpleRNNCell  # noqa: F401
from cornu.layers.rnn.stacked_rnn_cells import StackedRNNCells  # noqa: F401
from cornu.layers.rnn.bidirectional import Bidirectional  # noqa: F401
from cornu.layers.rnn.time_distributed import TimeDistributed  # noqa: F401
from cornu.layers.rnn.conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D  # noqa: F401

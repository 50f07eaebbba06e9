using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Consumer;

/// <summary>A one-layer tanh RNN that reads a sequence and predicts one number from its last state.</summary>
public sealed class SequenceRegressor : nn.Module<Tensor, Tensor>
{
    private readonly RNN rnn;
    private readonly Linear head;

    public SequenceRegressor(int inputSize, int hiddenSize) : base(nameof(SequenceRegressor))
    {
        rnn = nn.RNN(inputSize, hiddenSize, batchFirst: true);
        head = nn.Linear(hiddenSize, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var (output, _) = rnn.call(input);
        return head.call(output[.., -1, ..]);
    }

    /// <summary>The adding problem: the target is the sum of the two values whose marker is 1.</summary>
    public static (Tensor Inputs, Tensor Targets) AddingProblem(int batch, int length)
    {
        Tensor values = rand(batch, length, 1);
        Tensor markers = zeros(batch, length, 1);
        markers[.., 0, 0] = 1;
        markers[.., length / 2, 0] = 1;
        return (cat(new[] { values, markers }, 2), (values * markers).sum(1));
    }
}

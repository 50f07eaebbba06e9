using ClipGen;
using TorchSharp;
using static TorchSharp.torch;

// Pretrain a small MLP on task A, then fine-tune it on task B: first observe the gradient norms with a
// GradNormMonitor (no clipping), take its max_norm suggestion, and fine-tune the rest of the way clipping at it.
random.manual_seed(0);
var model = nn.Sequential(
    ("hidden", nn.Linear(4, 64)), ("tanh", nn.Tanh()),
    ("hidden2", nn.Linear(64, 64)), ("tanh2", nn.Tanh()),
    ("out", nn.Linear(64, 1)));

// Task A: y = sin(x0) + x1·x2.   Task B (fine-tuning): y = 5·(sin(x0) − x1·x2 + x3²), a new target on a larger scale.
static (Tensor X, Tensor Y) TaskA(int n) { Tensor x = randn(n, 4); return (x, (x[.., 0].sin() + x[.., 1] * x[.., 2]).unsqueeze(1)); }
static (Tensor X, Tensor Y) TaskB(int n) { Tensor x = randn(n, 4); return (x, (5 * (x[.., 0].sin() - x[.., 1] * x[.., 2] + x[.., 3].pow(2))).unsqueeze(1)); }

var pretrain = optim.Adam(model.parameters(), 1e-3);
double loss = double.NaN;
for (int step = 0; step < 600; step++)
{
    using var scope = NewDisposeScope();
    var (x, y) = TaskA(128);
    pretrain.zero_grad();
    Tensor l = nn.functional.mse_loss(model.call(x), y);
    l.backward();
    GradClip.ClipGradNorm(model.parameters(), 1.0);
    pretrain.step();
    loss = l.item<float>();
}

Console.WriteLine($"pretraining on task A: final loss {loss:F4}");

// Fine-tuning, phase 1: record the norms without clipping (maxNorm = +∞ measures and never scales).
var finetune = optim.SGD(model.parameters(), 5e-3, momentum: 0.9);
var monitor = new GradNormMonitor();
const int observeSteps = 100, clippedSteps = 400;
double firstLoss = double.NaN;
for (int step = 0; step < observeSteps; step++)
{
    using var scope = NewDisposeScope();
    var (x, y) = TaskB(128);
    finetune.zero_grad();
    Tensor l = nn.functional.mse_loss(model.call(x), y);
    l.backward();
    GradNormRecord record = monitor.Record(GradClip.ClipGradNorm(model.parameters(), double.PositiveInfinity, 2.0, NonFinitePolicy.SkipStep));
    if (!record.SkipStep)
    {
        finetune.step();
    }
    loss = l.item<float>();
    if (step == 0)
    {
        firstLoss = loss;
    }
}

double suggested = monitor.SuggestMaxNorm(percentile: 90);
Console.WriteLine($"fine-tuning on task B: first loss {firstLoss:F3}, loss after {observeSteps} unclipped steps {loss:F3}");
Console.WriteLine($"gradient norms seen: p50 {monitor.Percentile(50):F2}, p90 {monitor.Percentile(90):F2}, max {monitor.Percentile(100):F2}");
Console.WriteLine($"GradNormMonitor suggests max_norm = {suggested:F3} (90th percentile of the last {monitor.Count} pre-clip norms)");

// Phase 2: clip at the suggestion; a non-finite norm skips the step (the next zero_grad discards those gradients).
var clipper = new NormClipper(suggested, nonFinite: NonFinitePolicy.SkipStep);
var clippedMonitor = new GradNormMonitor();
for (int step = 0; step < clippedSteps; step++)
{
    using var scope = NewDisposeScope();
    var (x, y) = TaskB(128);
    finetune.zero_grad();
    Tensor l = nn.functional.mse_loss(model.call(x), y);
    l.backward();
    ClipResult clip = clipper.Clip(model.parameters());
    clippedMonitor.Record(clip);
    if (!clip.SkipStep)
    {
        finetune.step();
    }

    loss = l.item<float>();
}

Console.WriteLine($"after {clippedSteps} more steps clipped at {suggested:F3}: loss {loss:F3}, clip rate {100 * clippedMonitor.ClipRate:F1} %, non-finite steps {clippedMonitor.NonFiniteCount}");
string csv = Path.Combine(AppContext.BaseDirectory, "finetune-grad-norms.csv");
clippedMonitor.WriteCsv(csv);
Console.WriteLine($"per-step norms: {csv}");

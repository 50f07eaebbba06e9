using System.Reflection;
using Xunit.Sdk;

namespace ClipGen.TorchSharp.Tests.Probes;

/// <summary>
/// The whole runtime test suite again with the native probes off (AppContext switch <c>ClipGen.DisableNativeProbes</c>):
/// every [Fact] and every [Theory] case of this assembly (inline and member data) is run by reflection, alone, after
/// the parallel tests, and must pass with the same assertions.
/// </summary>
[Collection(ProbeSwitchCollection.Name)]
[NotInProbesOffRun("it is the re-run")]
public class ProbesOffSuiteTests
{
    [Fact]
    public void Every_runtime_test_passes_with_the_native_probes_off()
    {
        var failures = new List<string>();
        int ran = 0;
        using (ProbeSwitch.Off())
        {
            Assert.False(Internal.NativeProbes.Enabled);
            foreach ((MethodInfo method, object?[] args) in Cases())
            {
                ran++;
                string? failure = Run(method, args);
                if (failure is not null) failures.Add($"{method.DeclaringType!.Name}.{method.Name}({string.Join(", ", args)}): {failure}");
            }
        }

        Assert.True(ran > 100, $"only {ran} cases found");
        Assert.True(failures.Count == 0, $"{failures.Count} of {ran} cases failed with the probes off:\n" + string.Join("\n", failures));
    }

    private static IEnumerable<(MethodInfo Method, object?[] Args)> Cases()
    {
        foreach (Type type in typeof(ProbesOffSuiteTests).Assembly.GetTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            if (!type.IsClass || type.IsAbstract || !type.IsPublic && !type.IsNestedPublic || type.GetCustomAttribute<NotInProbesOffRunAttribute>() is not null) continue;
            foreach (MethodInfo method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance).OrderBy(m => m.Name, StringComparer.Ordinal))
            {
                var fact = method.GetCustomAttribute<FactAttribute>();
                if (fact is null || fact.Skip is not null || method.GetCustomAttribute<NotInProbesOffRunAttribute>() is not null) continue;
                if (fact is not TheoryAttribute)
                {
                    yield return (method, Array.Empty<object?>());
                    continue;
                }

                foreach (var inline in method.GetCustomAttributes<InlineDataAttribute>())
                {
                    foreach (object?[] row in inline.GetData(method)) yield return (method, row);
                }

                foreach (var member in method.GetCustomAttributes<MemberDataAttribute>())
                {
                    foreach (object?[] row in member.GetData(method)) yield return (method, row);
                }
            }
        }
    }

    private static string? Run(MethodInfo method, object?[] args)
    {
        object? instance = null;
        try
        {
            instance = Activator.CreateInstance(method.DeclaringType!);
            object? result = method.Invoke(instance, args);
            if (result is Task task) task.GetAwaiter().GetResult();
            return null;
        }
        catch (TargetInvocationException e)
        {
            return e.InnerException?.GetType().Name + ": " + e.InnerException?.Message;
        }
        catch (Exception e)
        {
            return e.GetType().Name + ": " + e.Message;
        }
        finally
        {
            (instance as IDisposable)?.Dispose();
        }
    }
}

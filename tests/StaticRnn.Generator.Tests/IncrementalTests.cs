using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using StaticRnn.Generator.Model;
using StaticRnn.Generator.Parsing;
using Xunit;

namespace StaticRnn.Generator.Tests;

/// <summary>The pipeline caches: unrelated edits re-emit nothing; a shape change re-emits; models hold no compilation objects.</summary>
public class IncrementalTests
{
    private static readonly string[] s_steps = [TrackingNames.Parse, TrackingNames.Build, TrackingNames.Emit];

    [Fact]
    public void UnrelatedEditLeavesEveryStepCachedOrUnchanged()
    {
        CSharpCompilation first = GeneratorTestHelper.Compilation(GeneratorOutputTests.SeedModel, "public class Other { public int X; }");
        GeneratorDriver driver = GeneratorTestHelper.Driver().RunGenerators(first);

        // Same compilation again, cloned: nothing may run.
        GeneratorDriverRunResult rerun = driver.RunGenerators(first.Clone()).GetRunResult();
        AssertAllSteps(rerun, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);

        // An edit in another file, and one inside the network's own file outside the network.
        SyntaxTree other = first.SyntaxTrees.Last();
        CSharpCompilation edited = first.ReplaceSyntaxTree(other, other.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From("public class Other { public int X; public int Y; }")));
        GeneratorDriverRunResult afterEdit = driver.RunGenerators(edited).GetRunResult();
        AssertAllSteps(afterEdit, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);

        SyntaxTree network = first.SyntaxTrees.First();
        CSharpCompilation commented = first.ReplaceSyntaxTree(network, network.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(GeneratorOutputTests.SeedModel + "\n// a comment\npublic class Helper { }\n")));
        GeneratorDriverRunResult afterComment = driver.RunGenerators(commented).GetRunResult();
        Assert.All(afterComment.Results.Single().TrackedSteps[TrackingNames.Emit].SelectMany(s => s.Outputs),
            o => Assert.Contains(o.Reason, new[] { IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged }));
    }

    [Fact]
    public void ShapeChangeRegenerates()
    {
        CSharpCompilation first = GeneratorTestHelper.Compilation(GeneratorOutputTests.SeedModel);
        GeneratorDriver driver = GeneratorTestHelper.Driver().RunGenerators(first);
        SyntaxTree network = first.SyntaxTrees.First();
        CSharpCompilation changed = first.ReplaceSyntaxTree(network,
            network.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(GeneratorOutputTests.SeedModel.Replace("[Dense(10)]", "[Dense(11)]").Replace(" = 137", " = 141"))));
        GeneratorDriverRunResult result = driver.RunGenerators(changed).GetRunResult();
        Assert.Contains(result.Results.Single().TrackedSteps[TrackingNames.Emit].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("public const int ParameterCount = 141;", result.Results.Single().GeneratedSources.Single().SourceText.ToString());
    }

    [Fact]
    public void EqualSourcesGiveEqualModelsWithEqualHashes()
    {
        ParsedNetwork a = Parse(GeneratorOutputTests.SeedModel), b = Parse(GeneratorOutputTests.SeedModel);
        Assert.NotSame(a, b);
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        BuildResult x = NetworkBuilder.Build(a.Network!), y = NetworkBuilder.Build(b.Network!);
        Assert.Equal(x, y);
        Assert.Equal(x.Spec!.GetHashCode(), y.Spec!.GetHashCode());
        Assert.NotEqual(a, Parse(GeneratorOutputTests.SeedModel.Replace("[SimpleRnn(3)]", "[SimpleRnn(4)]")));
    }

    [Fact]
    public void ModelTypesHoldNoCompilationObjects()
    {
        Type[] banned = [typeof(Compilation), typeof(ISymbol), typeof(SyntaxNode), typeof(Location), typeof(SemanticModel), typeof(AttributeData)];
        var seen = new HashSet<Type>();
        var queue = new Queue<Type>([typeof(ParsedNetwork), typeof(NetworkModel), typeof(GeneratedFile), typeof(BuildResult)]);
        while (queue.TryDequeue(out Type? type))
        {
            if (!seen.Add(type) || type.IsPrimitive || type.IsEnum || type == typeof(string))
            {
                continue;
            }
            Assert.DoesNotContain(banned, b => b.IsAssignableFrom(type));
            // Every kind of a polymorphic model type (each layer kind's spec), and the base type's own private fields.
            foreach (Type derived in typeof(RnnGenerator).Assembly.GetTypes().Where(t => t.IsSubclassOf(type)))
            {
                queue.Enqueue(derived);
            }
            if (type.BaseType is { } baseType)
            {
                queue.Enqueue(baseType);
            }
            foreach (FieldInfo field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            {
                queue.Enqueue(field.FieldType.IsArray ? field.FieldType.GetElementType()! : field.FieldType);
                foreach (Type argument in field.FieldType.GenericTypeArguments)
                {
                    queue.Enqueue(argument);
                }
            }
        }
        Assert.Contains(typeof(LayerSpec), seen);
        Assert.Contains(typeof(NetworkDecl), seen);
        Assert.Contains(typeof(StaticRnn.Generator.Model.LstmSpec), seen);
        Assert.Contains(typeof(StaticRnn.Generator.Model.BidirectionalSpec), seen);
        Assert.Contains(typeof(WeightSpec), seen);
    }

    private static ParsedNetwork Parse(string source)
    {
        CSharpCompilation compilation = GeneratorTestHelper.Compilation(source);
        INamedTypeSymbol type = compilation.GetTypeByMetadataName("Demo.SeedModel")!;
        return NetworkParser.Parse(type, CancellationToken.None);
    }

    private static void AssertAllSteps(GeneratorDriverRunResult result, params IncrementalStepRunReason[] allowed)
    {
        var steps = result.Results.Single().TrackedSteps;
        foreach (string name in s_steps)
        {
            Assert.True(steps.ContainsKey(name), $"step {name} was not tracked");
            foreach (var output in steps[name].SelectMany(s => s.Outputs))
            {
                Assert.True(allowed.Contains(output.Reason), $"step {name} output was {output.Reason}");
            }
        }
    }
}

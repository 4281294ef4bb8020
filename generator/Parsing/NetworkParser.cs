using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using StaticRnn.Generator.Model;

namespace StaticRnn.Generator.Parsing;

/// <summary>Where the generated partial class goes: its namespace and the chain of containing types.</summary>
internal sealed record HierarchyInfo(string Namespace, string Name, EquatableArray<string> ContainingTypes)
{
    /// <summary>A stable, file-system-safe hint name: <c>{Namespace}.{Outer}.{Type}.StaticRnn.g.cs</c>.</summary>
    public string HintName
    {
        get
        {
            var parts = new List<string>();
            if (Namespace.Length > 0)
            {
                parts.Add(Namespace);
            }
            parts.AddRange(ContainingTypes.Select(t => t.Substring(t.LastIndexOf(' ') + 1)));
            parts.Add(Name);
            return string.Join(".", parts) + NetworkParser.GeneratedFileSuffix;
        }
    }
}

/// <summary>The parsed declaration, the class's place, and the problems found before shape inference.</summary>
internal sealed record ParsedNetwork(NetworkDecl? Network, HierarchyInfo Hierarchy, EquatableArray<Problem> Problems);

/// <summary>
/// Turns a <c>[Sequential]</c> class symbol and its attributes into a <see cref="NetworkDecl"/>: plain data, no symbols,
/// no syntax. Used by the generator and (linked) by the analyzers, so both read attributes the same way.
/// </summary>
internal static class NetworkParser
{
    public const string Namespace = "StaticRnn";
    public const string SequentialAttribute = "StaticRnn.SequentialAttribute";

    /// <summary>The layer attributes of <paramref name="type"/> in source order; index i is layer i.</summary>
    public static ImmutableArray<AttributeData> LayerAttributes(INamedTypeSymbol type)
    {
        var builder = ImmutableArray.CreateBuilder<AttributeData>();
        foreach (AttributeData attribute in type.GetAttributes())
        {
            if (LayerParser(attribute.AttributeClass) is not null)
            {
                builder.Add(attribute);
            }
        }
        return builder.ToImmutable();
    }

    /// <summary>The spec parser of a StaticRnn layer attribute class, or null for any other attribute.</summary>
    private static Func<LayerArguments, LayerSpec?>? LayerParser(INamedTypeSymbol? attributeClass)
        => attributeClass is { ContainingNamespace: { Name: Namespace, ContainingNamespace.IsGlobalNamespace: true } }
            && LayerCatalog.TryGetParser(attributeClass.Name, out var parse) ? parse : null;

    public static AttributeData? FindSequential(INamedTypeSymbol type)
        => type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == SequentialAttribute);

    /// <summary>
    /// Parses the network. <see cref="ParsedNetwork.Network"/> is null when the attributes themselves do not bind
    /// (the compiler reports those) or the class cannot hold generated members (SRNN001, SRNN006).
    /// </summary>
    public static ParsedNetwork Parse(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        var problems = new List<Problem>();
        HierarchyInfo hierarchy = Hierarchy(type);

        string? notPartial = WhyNotPartial(type);
        if (notPartial is not null)
        {
            // Only a class that lacks 'partial' itself has the one-keyword fix; static, generic or nested ones need a decision.
            problems.Add(new Problem(DiagnosticIds.NotPartial, ProblemTarget.Class, -1, notPartial,
                Fix: CanMakePartial(type) ? FixKinds.MakePartial : null));
        }

        if (notPartial is null && WhyConstructorsConflict(type) is { } conflict)
        {
            problems.Add(new Problem(DiagnosticIds.ConstructorConflict, ProblemTarget.Class, -1, conflict));
        }

        var layers = LayerAttributes(type);
        var declarations = layers
            .Select(l => l.ApplicationSyntaxReference?.GetSyntax(cancellationToken).FirstAncestorOrSelf<TypeDeclarationSyntax>())
            .Where(d => d is not null)
            .Distinct()
            .Count();
        if (declarations > 1)
        {
            problems.Add(new Problem(DiagnosticIds.SplitDeclarations, ProblemTarget.Class, -1,
                $"'{type.Name}' has layer attributes on {declarations} partial declarations, so their order is undefined; put all layer attributes on one declaration"));
        }

        AttributeData? sequential = FindSequential(type);
        if (sequential is null || sequential.ConstructorArguments.Length != 1 || problems.Count > 0)
        {
            return new ParsedNetwork(null, hierarchy, new EquatableArray<Problem>(problems));
        }

        TypedConstant shapeArg = sequential.ConstructorArguments[0];
        int[] inputShape = shapeArg.IsNull
            ? new int[0] // [Sequential(null)]: reported as "no input shape"
            : shapeArg.Kind == TypedConstantKind.Array
                ? shapeArg.Values.Select(v => v.Value is int i ? i : 0).ToArray()
                : new[] { shapeArg.Value is int single ? single : 0 };

        var layerDecls = new List<LayerSpec>();
        for (int i = 0; i < layers.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            LayerSpec? decl = ParseLayer(layers[i], i);
            if (decl is null)
            {
                // The attribute does not bind (missing or mistyped arguments): the compiler already says why.
                return new ParsedNetwork(null, hierarchy, new EquatableArray<Problem>(problems));
            }
            layerDecls.Add(decl);
        }

        var network = new NetworkDecl(
            type.Name,
            new EquatableArray<int>(inputShape),
            Named(sequential, "ExpectedParameters", 0),
            (LossKind)Named(sequential, "Loss", 0),
            Named(sequential, "Seed", 0),
            Named(sequential, "Stateful", false),
            new EquatableArray<LayerSpec>(layerDecls));
        return new ParsedNetwork(network, hierarchy, new EquatableArray<Problem>(problems));
    }

    /// <summary>The spec of one layer attribute, or null when its arguments do not bind (the compiler reports those).</summary>
    private static LayerSpec? ParseLayer(AttributeData attribute, int index)
    {
        Func<LayerArguments, LayerSpec?> parse = LayerParser(attribute.AttributeClass)!;
        var arguments = new object?[attribute.ConstructorArguments.Length];
        for (int i = 0; i < arguments.Length; i++)
        {
            TypedConstant argument = attribute.ConstructorArguments[i];
            if (argument.Kind is TypedConstantKind.Error or TypedConstantKind.Array)
            {
                return null;
            }
            arguments[i] = argument.Value;
        }
        var named = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, TypedConstant> pair in attribute.NamedArguments)
        {
            if (pair.Value.Kind is not (TypedConstantKind.Error or TypedConstantKind.Array))
            {
                named[pair.Key] = pair.Value.Value;
            }
        }
        LayerSpec? spec = parse(new LayerArguments(arguments, named));
        return spec is null ? null : spec with
        {
            Index = index,
            DeclaredName = NamedString(attribute, "Name"),
            ExpectedParameters = Named(attribute, "ExpectedParameters", 0),
        };
    }

    /// <summary>Whether adding 'partial' to the class itself is all it takes (static, generic or nested ones need a decision).</summary>
    public static bool CanMakePartial(INamedTypeSymbol type)
        => type.TypeKind == TypeKind.Class && !type.IsRecord && !type.IsStatic && !type.IsGenericType && !type.IsFileLocal && !IsPartial(type);

    public static T Named<T>(AttributeData attribute, string name, T fallback)
    {
        foreach (KeyValuePair<string, TypedConstant> pair in attribute.NamedArguments)
        {
            if (pair.Key == name && pair.Value.Value is T value)
            {
                return value;
            }
        }
        return fallback;
    }

    private static string? NamedString(AttributeData attribute, string name)
    {
        foreach (KeyValuePair<string, TypedConstant> pair in attribute.NamedArguments)
        {
            if (pair.Key == name)
            {
                return pair.Value.Value as string;
            }
        }
        return null;
    }

    /// <summary>Why the generator cannot add members to <paramref name="type"/>, or null when it can.</summary>
    public static string? WhyNotPartial(INamedTypeSymbol type)
    {
        if (type.TypeKind != TypeKind.Class || type.IsRecord)
        {
            return $"'{type.Name}' must be a plain class (not a record, struct or interface) to carry [Sequential]";
        }
        if (type.IsStatic)
        {
            return $"'{type.Name}' is static; a network has instance state (its weights): remove 'static'";
        }
        if (type.TypeParameters.Length > 0)
        {
            return $"'{type.Name}' is generic; a network's shape is fixed, so declare it as a non-generic partial class";
        }
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (outer.TypeParameters.Length > 0)
            {
                return $"'{type.Name}' is nested in the generic type '{outer.Name}'; a network's shape is fixed, so declare it outside generic types";
            }
        }
        if (type.IsFileLocal)
        {
            return $"'{type.Name}' is a file-local type; the generated members live in another file, so remove the 'file' modifier";
        }
        if (!IsPartial(type))
        {
            return $"'{type.Name}' must be declared 'partial' so that the generator can add the network's members: write '{PartialDeclaration(type)}'";
        }
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (!IsPartial(outer))
            {
                return $"'{type.Name}' is nested in '{outer.Name}', which must be declared 'partial' too";
            }
            if (outer.IsGenericType)
            {
                return $"'{type.Name}' is nested in the generic type '{outer.Name}'; declare the network outside generic types";
            }
        }
        return null;
    }

    /// <summary>How the generator's files end (their hint names).</summary>
    public const string GeneratedFileSuffix = ".StaticRnn.g.cs";

    /// <summary>
    /// Why the class's constructors or base class conflict with the parameterless constructor the generator writes (it
    /// allocates the buffers and initializes the weights), or null when they do not.
    /// </summary>
    public static string? WhyConstructorsConflict(INamedTypeSymbol type)
    {
        foreach (IMethodSymbol constructor in type.InstanceConstructors)
        {
            // The analyzers see the generated file too; its constructor is the one the user's must leave alone.
            if (constructor.IsImplicitlyDeclared || constructor.DeclaringSyntaxReferences.All(r => r.SyntaxTree.FilePath.EndsWith(GeneratedFileSuffix, StringComparison.Ordinal)))
            {
                continue;
            }
            if (constructor.Parameters.Length == 0)
            {
                return $"'{type.Name}' declares a parameterless constructor, but the generator writes that one (it allocates the network's buffers and initializes its weights): remove it, or give it parameters and chain ': this()'";
            }
            foreach (SyntaxReference reference in constructor.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax() is ConstructorDeclarationSyntax { Initializer: var initializer } && (initializer is null || !initializer.ThisOrBaseKeyword.IsKind(SyntaxKind.ThisKeyword)))
                {
                    string parameters = string.Join(", ", constructor.Parameters.Select(p => p.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)));
                    return $"the constructor '{type.Name}({parameters})' does not call ': this()', so the network's buffers would never be allocated: add ': this()' to it";
                }
            }
        }
        if (type.BaseType is { SpecialType: not SpecialType.System_Object } baseType
            && !baseType.InstanceConstructors.Any(c => c.DeclaredAccessibility != Accessibility.Private && c.Parameters.All(p => p.IsOptional || p.IsParams)))
        {
            return $"'{type.Name}' derives from '{baseType.Name}', which has no parameterless constructor for the generated one to call: add one to '{baseType.Name}', or derive from another class";
        }
        return null;
    }

    /// <summary>The type's first declaration as it reads with 'partial' added before 'class' (its own modifiers kept).</summary>
    private static string PartialDeclaration(INamedTypeSymbol type)
    {
        var words = new List<string>();
        if (type.DeclaringSyntaxReferences.Length > 0 && type.DeclaringSyntaxReferences[0].GetSyntax() is TypeDeclarationSyntax declaration)
        {
            words.AddRange(declaration.Modifiers.Where(m => !m.IsKind(SyntaxKind.PartialKeyword)).Select(m => m.Text));
        }
        words.Add("partial class");
        words.Add(type.Name);
        return string.Join(" ", words);
    }

    private static bool IsPartial(INamedTypeSymbol type)
        => type.DeclaringSyntaxReferences.Length > 0
            && type.DeclaringSyntaxReferences.All(r => r.GetSyntax() is TypeDeclarationSyntax d && d.Modifiers.Any(SyntaxKind.PartialKeyword));

    public static HierarchyInfo Hierarchy(INamedTypeSymbol type)
    {
        string ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : "";
        var outers = new List<string>();
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            string keyword = outer.IsRecord
                ? (outer.TypeKind == TypeKind.Struct ? "record struct" : "record")
                : outer.TypeKind == TypeKind.Struct ? "struct" : outer.TypeKind == TypeKind.Interface ? "interface" : "class";
            outers.Insert(0, $"partial {keyword} {(SyntaxFacts.GetKeywordKind(outer.Name) != SyntaxKind.None ? "@" : "")}{outer.Name}");
        }
        return new HierarchyInfo(ns, type.Name, new EquatableArray<string>(outers.ToArray()));
    }
}
